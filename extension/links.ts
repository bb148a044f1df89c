// Which links from messages the host opens: http and https only, parsed by URL
// (a message can hold anything: javascript:, file:, command: ...).

export function safeExternalUrl(text: string): URL | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}
