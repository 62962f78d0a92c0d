// Types of node22.mjs, for the tests that import it through test/node22.ts.
export declare const NODE22_VERSION: string;
export declare const node22Supported: boolean;
export declare const node22: string;
export declare function ensureNode22(): Promise<string>;
