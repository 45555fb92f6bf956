// Types of scripts/demo-workspace.mjs for the e2e suite.
export declare const UBER_ROOT: string;
export declare const TEMPLATE: string;
export declare const DEPLOY_LOCAL: string;
export declare const DEMO_REPOS: ReadonlyArray<{ name: string; branches: string[] }>;
export declare const DEMO_TABLES: readonly string[];
export declare function createDemoWorkspace(work: string, opts?: { deployCommand?: string }): Promise<string>;
export declare function changeHandler(work: string): Promise<string>;
export declare function linkTestDeps(testsDir: string): void;
