/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Keeps database passwords out of every log line and error message. Two
 * layers: URLs lose their `user:password@` password wherever they appear,
 * and a Redactor replaces the known secret strings (raw and URL-encoded)
 * in any text that leaves the store.
 */

const MASK = '***';

/**
 * `scheme://user:secret@host` -> `scheme://user:***@host`, anywhere in the
 * text. The password runs to the last `@` of the URL, so that an unencoded
 * `@` or `/` in it is masked too (at worst more than the password is).
 */
export function redactUrl(text: string): string {
  const url = /([a-z][a-z0-9+.-]*:\/\/)(\S*)/gi;
  return text.replace(url, (_, scheme: string, rest: string) => {
    const at = rest.lastIndexOf('@');
    const colon = rest.indexOf(':');
    if (at < 0 || colon < 0 || colon > at) return `${scheme}${rest}`;
    return `${scheme}${rest.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
  });
}

/** Replaces known secrets in text, then any URL password left. */
export class Redactor {
  private readonly secrets: string[] = [];

  constructor(secrets: Array<string|undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers one more secret; empty ones are ignored. */
  add(secret: string|undefined): void {
    if (secret === undefined || secret === '') return;
    for (const form of [secret, encodeURIComponent(secret)]) {
      if (!this.secrets.includes(form)) this.secrets.push(form);
    }
    // Longest first, so that a secret containing another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(MASK);
    return redactUrl(out);
  }
}
