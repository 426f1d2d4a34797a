import type { Server } from 'node:http';
export declare const DIST: string;
export declare function serveDist(): Promise<{ server: Server; url: string }>;
