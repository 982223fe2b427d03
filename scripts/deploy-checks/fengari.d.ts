/** The part of fengari (Lua 5.3 in JavaScript) that kong-functions.ts uses; the package has no types. */
declare module 'fengari' {
  type LuaState = object;
  export function to_luastring(text: string): Uint8Array;
  export function to_jsstring(bytes: Uint8Array): string;
  export const lua: {
    LUA_OK: number;
    lua_pushjsfunction(L: LuaState, fn: (L: LuaState) => number): void;
    lua_pushlstring(L: LuaState, bytes: Uint8Array, length: number): void;
    lua_pushstring(L: LuaState, text: Uint8Array): void;
    lua_setglobal(L: LuaState, name: Uint8Array): void;
    lua_pcall(L: LuaState, nargs: number, nresults: number, handler: number): number;
    lua_tojsstring(L: LuaState, index: number): string;
  };
  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_checklstring(L: LuaState, index: number): Uint8Array;
    luaL_loadstring(L: LuaState, source: Uint8Array): number;
  };
  export const lualib: { luaL_openlibs(L: LuaState): void };
}
