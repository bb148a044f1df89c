// Turns the client core's room items into what the webview shows (display data
// only: names, fingerprints, text, image bytes; never a key). Each kind writes its own (client/kinds/).

export { previewText, toViewItem } from '../../client/kinds/index';
