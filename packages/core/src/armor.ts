import { isBase64 } from './base64.js';

/** `-----BEGIN LABEL-----` + base64 lines + `-----END LABEL-----`, the text wrapping of every offline file. */
export function armor(label: string, base64: string): string {
  const lines = base64.match(/.{1,64}/g) ?? [''];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Every armored block with this label in the text, in order (a bundle holds many). */
export function unarmorAll(label: string, text: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(pattern)].map((match) => match[1].replace(/\s+/g, ''));
}

/** The single armored block of a file; undefined when absent, repeated, or not base64. */
export function unarmor(label: string, text: string): string | undefined {
  const blocks = unarmorAll(label, text);
  return blocks.length === 1 && blocks[0] !== '' && isBase64(blocks[0]) ? blocks[0] : undefined;
}
