/**
 * Ask your spend in plain language: Text2SQL over a read-only semantic layer, answered through
 * Bedrock with our own wrapper, or by templates without it (docs/adr/0009-ask-safety.md).
 */
export {
  type AskAnswer,
  AskInputError,
  type AskOutcome,
  type AskRequest,
  type Assistant,
  type BedrockTransport,
  createAssistant,
  MAX_QUESTION_CHARS,
  toAskJson,
} from "./ask";
export { explainBedrockFailure } from "./bedrock-errors";
export { QuestionBudget } from "./budget";
export {
  type AssistantConfig,
  DEFAULT_ASK_APPLICATION,
  DEFAULT_ASK_MODEL_ID,
  parseAssistantConfig,
} from "./config";
export { matchTemplate } from "./fallback";
export { nullLabel, presentRows, templateAnswer, unbackedFigures } from "./present";
export { runQuery } from "./run-query";
export {
  buildSemanticImage,
  describeSemanticLayer,
  SEMANTIC_VIEWS,
  SemanticImageCache,
} from "./semantic-layer";
export { ALLOWED_FUNCTIONS, checkSql } from "./sql-guard";
