export {
  type ClientOptions,
  LicensorClient,
  LicensorError,
  type ValidateRequest,
  type ValidationResult,
} from './client.js';
export { parseSignatureHeader, verifyEd25519 } from './signature.js';
