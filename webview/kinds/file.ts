// Draws a file message as a card: a codicon picked by media type, the name, the size, and a "Save File As..." button (the host asks where and downloads; nothing is fetched before that).

import type { ViewFileItem } from '../../protocol/webview';
import { h, icon } from '../elements/dom';
import { TESTID } from '../elements/selectors';
import type { Renderer } from './types';
import { formatSize } from '../../protocol/size';

/** The codicon for a media type: only a picture, never a reason to render the file. */
export function fileIcon(mime: string): string {
  const [type = '', sub = ''] = mime.toLowerCase().split('/');
  if (type === 'image') return 'file-media';
  if (type === 'audio' || type === 'video') return 'file-media';
  if (sub === 'pdf') return 'file-pdf';
  if (/zip|gzip|x-tar|compressed|x-7z/.test(sub)) return 'file-zip';
  if (type === 'text' || /json|xml|javascript|typescript/.test(sub)) return 'file-code';
  return 'file-binary';
}

export const renderFile: Renderer<ViewFileItem> = (item, { doc }) => {
  const { name, size, mime } = item.file;
  const sizeText = formatSize(size);
  const save = h(doc, 'vscode-button', {
    secondary: true,
    icon: 'save',
    class: 'save-file',
    'data-testid': TESTID.saveFile,
    'data-save-file-cid': item.cid,
    title: 'Save File As...',
    'aria-label': `Save file ${name} (${sizeText}) as...`,
  });
  return h(
    doc,
    'div',
    {
      class: 'file-card',
      'data-testid': TESTID.fileCard,
      'data-cid': item.cid,
      // Right-click: VS Code shows the webview/context menu with "Save File As...".
      'data-vscode-context': JSON.stringify({ webviewSection: 'file', cid: item.cid, preventDefaultContextMenuItems: true }),
    },
    [
      icon(doc, fileIcon(mime)),
      h(doc, 'span', { class: 'file-name', 'data-testid': TESTID.fileName, title: name }, [name]),
      h(doc, 'span', { class: 'file-size', 'data-testid': TESTID.fileSize }, [sizeText]),
      save,
    ],
  );
};
