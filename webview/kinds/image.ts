// Draws an image message: the picture at its stated size from a blob: URL (bytes asked by reference), its file name and a save button.

import type { ViewImageItem } from '../../protocol/webview';
import { h } from '../elements/dom';
import { TESTID } from '../elements/selectors';
import type { Renderer } from './types';

export const renderImage: Renderer<ViewImageItem> = (item, { doc, imageUrl }) => {
  const label = item.image.name ? `Image ${item.image.name}` : 'Image';
  const { ref } = item.image;
  const img = h(doc, 'img', {
    width: item.image.w,
    height: item.image.h,
    alt: `${label}, ${item.image.w} by ${item.image.h} pixels. Press Enter to open it full size.`,
    tabindex: 0,
    'data-cid': ref.cid,
    'data-sender': ref.key,
    'data-testid': TESTID.messageImage,
    // Right-click: VS Code shows the webview/context menu with "Save Image As...".
    'data-vscode-context': JSON.stringify({ webviewSection: 'image', cid: ref.cid, sender: ref.key, preventDefaultContextMenuItems: true }),
  });
  const save = h(doc, 'vscode-button', {
    secondary: true,
    icon: 'save',
    class: 'save-image',
    'data-testid': TESTID.saveImage,
    'data-save-cid': ref.cid,
    'data-save-sender': ref.key,
    title: 'Save Image As...',
    'aria-label': `Save ${label} as...`,
  });
  // The bytes come by reference: the picture shows once they are here (its width and height hold its place meanwhile).
  const url = imageUrl(item.image);
  if (typeof url === 'string') img.setAttribute('src', url);
  else if (url) {
    img.setAttribute('aria-busy', 'true');
    void url.then((src) => {
      img.setAttribute('src', src);
      img.removeAttribute('aria-busy');
    });
  }
  return h(doc, 'figure', { class: 'image' }, [img, h(doc, 'figcaption', {}, [item.image.name ?? '', save])]);
};
