import { Type } from 'typebox';
import { Language } from '../../platform/http/schemas.js';

export const ProfileChanges = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    language: Type.Optional(Language),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PasswordChange = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
    newPassword: Type.String({ minLength: 8, maxLength: 200 }),
  },
  { additionalProperties: false },
);
