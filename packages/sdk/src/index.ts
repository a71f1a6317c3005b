export {
  type ActivateRequest,
  type Activation,
  type AnswerCheckOptions,
  type AppCall,
  type ClientOptions,
  checkAnswer,
  type ExpectedEcho,
  expectedEcho,
  LicensorClient,
  LicensorError,
  type RecordedAnswer,
  type Redeemed,
  type SessionRequest,
  type ValidateRequest,
  type ValidationResult,
} from './client.js';
export { ClockGuard, ROLLBACK_TOLERANCE_MS } from './clock-guard.js';
export {
  type Agent,
  DEFAULT_TENANT,
  type ImportReport,
  LicenseError,
  LicenseManager,
  type LicenseState,
  type LicenseView,
  type ManagerOptions,
  type ManagerState,
  REMINDER_DAYS,
  type Reminder,
} from './license-manager.js';
export { createLicenseRequest, type LicenseRequestInput, type Period } from './license-request.js';
export {
  ACCEPT_TREE_SIGNATURES,
  type AnswerSignature,
  parseSignatureHeader,
  verifyAnswerSignature,
  verifyEd25519,
} from './signature.js';
export { type LicenseStorage, MemoryStorage } from './storage.js';
export {
  type RejectionCode,
  readBundle,
  type Verification,
  type VerifyOptions,
  verifyLicenseFile,
  verifyLicenseFiles,
} from './verify.js';
