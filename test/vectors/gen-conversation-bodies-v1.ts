// Builds test/vectors/conversation-bodies-v1.json: reply, edit, reaction and typing bodies (PROTOCOL.md
// section 13), sealed with fixed nonces on the keys of protocol-v1.json, so the committed file can be checked
// against a fresh build. Regenerate: npx bun test/vectors/gen-conversation-bodies-v1.ts > test/vectors/conversation-bodies-v1.json

import { hex, readBaseVectors, sealRawBody, toJson, unknownKindBody } from '../support/kinds-vectors';

export function buildConversationVectors(): Record<string, unknown> {
  const { base, identity, encKey } = readBaseVectors();
  const target = { key: identity.publicKey, cid: 'AAECAwQFBgcICQoLDA0ODw' };
  const ts = 1764230600000;
  const specs = [
    { about: 'a reply to message id 1 (a message: shown with a quote of its target)', k: 'reply', cid: 'UFFSU1RVVldYWVpbXF1eXw', fields: { to: 1, text: 'yes, noon' }, expect: 'reply' },
    { about: 'an edit by the target\'s own sender: the full new text', k: 'edit', cid: 'YGFiY2RlZmdoaWprbG1ubw', fields: { rel: target, text: 'meet at 4' }, expect: 'edit' },
    { about: 'a reaction', k: 'reaction', cid: 'cHFyc3R1dnd4eXp7fH1-fw', fields: { rel: target, emoji: '👍' }, expect: 'reaction' },
    { about: 'a reaction taken back', k: 'reaction', cid: 'gIGCg4SFhoeIiYqLjI2Ojw', fields: { rel: target, emoji: '👍', remove: true }, expect: 'reaction_remove' },
    { about: 'typing (sent only in a signal frame; its cid matches no frame)', k: 'typing', cid: 'kJGSk5SVlpeYmZqbnJ2enw', fields: {}, expect: 'typing' },
  ];
  const cases = specs.map((spec, i) => {
    const body = unknownKindBody(identity, 'Ada', spec.cid, ts + i, spec.k, spec.fields);
    const nonce = new Uint8Array(12).fill(0xc0 + i);
    const sealed = sealRawBody(base.room, encKey, identity, body, nonce);
    return { about: spec.about, body: toJson(body), body_msgpack: hex(sealed.bodyBytes), signature: hex(sealed.signature), nonce: hex(nonce), env: hex(sealed.env), expect: spec.expect };
  });
  return {
    about: 'message-app: reply, edit, reaction and typing bodies (PROTOCOL.md section 13); byte strings are hex; keys from protocol-v1.json',
    room: base.room,
    enc_key: base.enc_key,
    identity_seed: base.identity_seed,
    identity_pub: base.identity_pub,
    cases,
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(buildConversationVectors(), null, 2)}\n`);
