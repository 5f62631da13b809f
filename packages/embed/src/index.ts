export { createBaton } from './embed.js';
export type { BatonEmbed, BatonEmbedEvents, BatonListener, BatonUser, EmbedOptions } from './embed.js';
export { installCommands, isInstalled, runCommand } from './commands.js';
export type { BatonCommand, BatonFunction } from './commands.js';
export { findOwnScript, readScriptConfig } from './config.js';
export type { ScriptConfig } from './config.js';
export { createLauncher } from './launcher.js';
export type { Launcher, LauncherOptions } from './launcher.js';
