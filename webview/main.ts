// Entry of the chat webview bundle: registers the @vscode-elements components
// and starts the app against the VS Code webview API.

import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import './style.css';
import './markdown/markdown.css';
import { ChatApp } from './elements/app';
import { connectToHost } from './vscode-api';

const container = document.getElementById('root');
if (container) {
  const app = new ChatApp(document, container, connectToHost(window));
  app.start();
  window.addEventListener('unload', () => app.dispose());
}
