// Draws an image message: the picture at its stated size from a blob: URL, its file name and a save button.

import type { ViewImageItem } from '../../protocol/webview';
import { h } from '../elements/dom';
import { TESTID } from '../elements/selectors';
import type { Renderer } from './types';

export const renderImage: Renderer<ViewImageItem> = (item, { doc, imageUrl }) => {
  const label = item.image.name ? `Image ${item.image.name}` : 'Image';
  const img = h(doc, 'img', {
    src: imageUrl(item.cid, item.image),
    width: item.image.w,
    height: item.image.h,
    alt: `${label}, ${item.image.w} by ${item.image.h} pixels. Press Enter to open it full size.`,
    tabindex: 0,
    'data-cid': item.cid,
    'data-testid': TESTID.messageImage,
    // Right-click: VS Code shows the webview/context menu with "Save Image As...".
    'data-vscode-context': JSON.stringify({ webviewSection: 'image', cid: item.cid, preventDefaultContextMenuItems: true }),
  });
  const save = h(doc, 'vscode-button', {
    secondary: true,
    icon: 'save',
    class: 'save-image',
    'data-testid': TESTID.saveImage,
    'data-save-cid': item.cid,
    title: 'Save Image As...',
    'aria-label': `Save ${label} as...`,
  });
  return h(doc, 'figure', { class: 'image' }, [img, h(doc, 'figcaption', {}, [item.image.name ?? '', save])]);
};
