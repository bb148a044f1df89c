// Stable selectors of the chat view, for people and for the end-to-end suite.
// They are part of the view's contract: change them only together with the tests.
//
//   [data-testid="app"]            the whole view; data-state = connection state
//   [data-testid="banner"]         connection banner (role=status); data-state = idle|connecting|hello|joining|joined|reconnecting|closed;
//                                  hidden (the `hidden` attribute) while joined
//   [data-testid="connect"]        "Connect to Server..." button (banner and empty state)
//   [data-testid="rooms"]          room switcher (role=tablist)
//   [data-testid="room-tab"]       one room (role=tab, data-room = name, aria-selected)
//   [data-testid="room-unread"]    unread counter inside a room tab (absent when 0)
//   [data-testid="online"]         "N online" for the active room; data-count = N
//   [data-testid="message-list"]   the scrolled messages, id="messages"; inside it a role=feed of role=article messages,
//                                  only those near the viewport drawn in rooms of more than 300 rows
//   [data-testid="load-older"]     button at the top of the list while older messages exist
//   [data-testid="day-separator"]  "Today", "Yesterday", a date
//   [data-testid="message"]        one message (role=article, aria-label "Ada, 18:44: text", aria-posinset/setsize); data-cid, data-id (empty while pending),
//                                  data-own="true|false", data-pending="true|false", data-kind="text|image|placeholder"
//   [data-testid="message-sender"] sender name;  [data-testid="message-time"] time (<time datetime>)
//   [data-testid="message-key"]    verified / changed-key mark; title has the fingerprint; data-verified
//   [data-testid="message-text"]   the text (plain text; links are <a data-testid="message-link">)
//   [data-testid="message-image"]  <img> of an image message (blob: URL); click opens it in an editor tab
//   [data-testid="save-image"]     "Save Image As..." button beside an image
//   [data-testid="file-card"]      a file message (data-cid); inside: [data-testid="file-name"], [data-testid="file-size"],
//                                  and [data-testid="save-file"] ("Save File As...", data-save-file-cid)
//   [data-testid="placeholder"]    text of a message that could not be shown
//   [data-testid="composer"]       the message box (vscode-textarea, id="composer"; its inner <textarea>
//                                  is `[data-testid="composer"] textarea`); Enter sends, Shift+Enter breaks the line
//   [data-testid="send"]           send button;  [data-testid="attach"] Send Image... button
//   [data-testid="notice"]         last error or note from the host (role=alert for errors)
//   [data-testid="empty-room"]     "No messages yet" in a room without messages
//   [data-testid="show-more"]      "Show more" / "Show less" under a long message (aria-expanded)
//   [data-testid="announcer"]      polite status line that reads out a newly arrived message
//   [data-testid="new-messages"]   "New messages" line (role=separator) before the first message unread when the room was opened
//   [data-testid="message-actions"] hover toolbar of a message (role=toolbar): [data-testid="action-react|reply|edit|delete|more"]
//   [data-testid="reaction"]       a reaction chip (button, aria-pressed = mine, data-react-emoji, title = who reacted)
//   [data-testid="edited"]         "(edited)" button: opens [data-testid="versions"] (the earlier versions)
//   [data-testid="reply-quote"]    the quote above a reply (a button that jumps to the message answered; data-jump-to = its id)
//   [data-testid="message-menu"]   a message's action menu (role=menu of role=menuitem, data-action)
//   [data-testid="emoji-picker"]   the six quick reactions (data-emoji) and [data-testid="emoji-input"] for any emoji
//   [data-testid="confirm-delete"] "Delete for everyone?" (role=alertdialog) with Delete / Cancel
//   [data-testid="compose-mode"]   "Replying to Ada: ..." / "Editing your message" above the composer, with its Cancel
//   [data-testid="typing"]         "Ada is typing…" under the list (aria-live polite)
//   [data-testid="jump-latest"]    "Jump to latest" button, shown while scrolled up; its aria-label counts the messages that came below

export const TESTID = {
  app: 'app',
  banner: 'banner',
  connect: 'connect',
  rooms: 'rooms',
  roomTab: 'room-tab',
  roomUnread: 'room-unread',
  online: 'online',
  messageList: 'message-list',
  loadOlder: 'load-older',
  daySeparator: 'day-separator',
  /** A room line (PROTOCOL.md 12.5): "Ada removed Carol", at the rotation's place. */
  roomLine: 'room-line',
  message: 'message',
  messageSender: 'message-sender',
  messageTime: 'message-time',
  messageKey: 'message-key',
  signedTime: 'signed-time',
  messageText: 'message-text',
  messageLink: 'message-link',
  messageImage: 'message-image',
  saveImage: 'save-image',
  fileCard: 'file-card',
  fileName: 'file-name',
  fileSize: 'file-size',
  saveFile: 'save-file',
  placeholder: 'placeholder',
  composer: 'composer',
  send: 'send',
  attach: 'attach',
  notice: 'notice',
  emptyRoom: 'empty-room',
  showMore: 'show-more',
  announcer: 'announcer',
  newMessages: 'new-messages',
  jumpLatest: 'jump-latest',
  mentionPicker: 'mention-picker',
  mentionOption: 'mention-option',
  mentions: 'mentions',
  replyQuote: 'reply-quote',
  typing: 'typing',
  messageActions: 'message-actions',
  reaction: 'reaction',
  edited: 'edited',
  messageMenu: 'message-menu',
  emojiPicker: 'emoji-picker',
  emojiInput: 'emoji-input',
  confirmDelete: 'confirm-delete',
  composeMode: 'compose-mode',
  versions: 'versions',
} as const;
