// Code commands: Share Selection to Chat (editor context menu, palette, keybinding)
// and Open for a received snippet (its file in this workspace at those lines, else
// an untitled editor with the snippet in its language).

import * as vscode from 'vscode';
import { isSafeRelativePath, snippetTitle, type CodeSnippet } from '../../protocol/code';
import type { ChatApp } from '../app';
import { linesDiffer, makeSnippet, sharedLines } from '../snippets';

export async function shareSelection(app: ChatApp): Promise<void> {
  const session = app.sessions.current;
  const room = session?.state.active;
  if (!session || !room) return; // the command table's guard said so already
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Message App: open a file and select the code to share.');
    return;
  }
  const { document, selection } = editor;
  const { start, end } = sharedLines({ startLine: selection.start.line, endLine: selection.end.line, endCharacter: selection.end.character, empty: selection.isEmpty });
  const text = document.getText(new vscode.Range(start - 1, 0, end - 1, document.lineAt(end - 1).text.length));
  const folder = document.uri.scheme === 'file' ? vscode.workspace.getWorkspaceFolder(document.uri) : undefined;
  const snippet = makeSnippet({
    languageId: document.languageId,
    text: text.replace(/\r\n/g, '\n'),
    start,
    end,
    ...(folder && folder.uri.scheme === 'file' ? { filePath: document.uri.fsPath, folderPath: folder.uri.fsPath } : {}),
  });
  if (typeof snippet === 'string') {
    void vscode.window.showInformationMessage(`Message App: ${snippet}`);
    return;
  }
  await session.sendCode(room, snippet);
}

/** The file of this window's workspace that the snippet names, if one exists. */
async function findFile(path: string): Promise<vscode.Uri | undefined> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, ...path.split('/'));
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.type & vscode.FileType.File) return uri;
    } catch {
      // Not in this folder; try the next.
    }
  }
  return undefined;
}

export async function openCode(code: CodeSnippet): Promise<void> {
  // Checked again here: the path decides which file opens.
  const file = code.path !== undefined && isSafeRelativePath(code.path) ? await findFile(code.path) : undefined;
  if (file) {
    const document = await vscode.workspace.openTextDocument(file);
    const last = Math.min(code.end, document.lineCount) - 1;
    const first = Math.min(code.start - 1, last);
    const range = new vscode.Range(first, 0, last, document.lineAt(last).text.length);
    await vscode.window.showTextDocument(document, { selection: range, preview: true });
    const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
    if (linesDiffer(lines, code)) {
      void vscode.window.showInformationMessage(`Message App: lines ${code.start}-${code.end} of ${code.path ?? ''} here differ from the shared snippet.`);
    }
    return;
  }
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument({ content: code.text, language: code.lang });
  } catch {
    // A language this VS Code does not know: the text still opens, plain.
    document = await vscode.workspace.openTextDocument({ content: code.text });
  }
  await vscode.window.showTextDocument(document, { preview: true });
  if (code.path !== undefined) void vscode.window.showInformationMessage(`Message App: ${snippetTitle(code)} is not in this workspace; the snippet opened in a new editor.`);
}
