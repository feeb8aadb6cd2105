// Public surface of the signatures module: the engine, its builders, and the rule tooling.
export { SignatureEngine, type InspectInput, type InspectResult, POLICY_IDS } from './engine.js';
export { buildEngine, loadSignatureEngine, ruleFilesOf } from './build.js';
export { signaturesConfigSchema, type SignaturesConfig } from './config.js';
export { loadRuleFiles, parseRuleFile } from './loader.js';
export { testRules, testRuleSpecs, type RuleTestFailure, type RuleTestReport } from './testing.js';
export { explain, formatExplanation, type Explanation, type ExplainOptions } from './explain.js';
export { testRulesCommand, explainCommand, type Writer, type ExplainArgs } from './cli.js';
export { TRANSFORMS } from './transforms/index.js';
