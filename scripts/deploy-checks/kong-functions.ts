/**
 * Runs the serverless functions of kong/kong.yaml (pre-function, post-function) in a Lua VM (fengari,
 * Lua 5.3 in JavaScript) against a mock of the parts of Kong's PDK they use, with only the globals
 * Kong's sandbox gives them, and checks what they do: the key hash Kong's rate limits count by, the
 * headers they strip, the 401 in each surface's error shape, Retry-After on Kong's own 429, and Kong's
 * own errors rewritten into Anthropic's shape on /v1/messages.
 * Lua 5.3 is not LuaJIT, but these functions use nothing where the two differ.
 */
import { createHash } from 'node:crypto';
import { lauxlib, lua, lualib, to_jsstring, to_luastring } from 'fengari';

export interface ServerlessFunctions {
  preAccess: string;
  postAccess: string;
  postHeaderFilter: string;
  postBodyFilter: string;
}

const testKey = 'gw-test-key-0123456789abcdef';

/** The harness: each scenario returns problems; the chunk returns them joined by new lines. */
const harness = String.raw`
local EXIT = {}
local NULL = setmetatable({}, { __tostring = function() return "ngx.null" end })
local NGX = { sha1_bin = sha1_bin, null = NULL }
local problems = {}
local function expect(condition, message) if not condition then problems[#problems + 1] = message end end

local function request(options)
  local state = { headers = {}, response_headers = {} }
  for name, value in pairs(options.headers or {}) do state.headers[name:lower()] = value end
  for name, value in pairs(options.response_headers or {}) do state.response_headers[name:lower()] = value end
  -- kong.service.request.* changes the request's headers, which kong.request.get_header then reads.
  state.kong = {
    request = {
      get_header = function(name) return state.headers[name:lower()] end,
      get_path = function() return options.path end,
    },
    service = { request = {
      set_header = function(name, value) state.headers[name:lower()] = value end,
      clear_header = function(name) state.headers[name:lower()] = nil end,
    } },
    router = { get_route = function() return { tags = options.tags } end },
    response = {
      exit = function(status, body) state.exit = { status = status, body = body }; error(EXIT, 0) end,
      get_source = function() return options.source end,
      get_status = function() return options.status end,
      get_header = function(name) return state.response_headers[name:lower()] end,
      set_header = function(name, value) state.response_headers[name:lower()] = value end,
      clear_header = function(name) state.response_headers[name:lower()] = nil end,
      get_raw_body = function() return options.raw_body end,
      set_raw_body = function(body) state.raw_body = body end,
    },
  }
  return state
end

-- What Kong's sandbox gives a serverless function: the safe base library, kong and ngx.
local function run(source, state, label)
  local env = { kong = state.kong, ngx = NGX, string = string, table = table, math = math, os = { clock = os.clock, date = os.date, time = os.time, difftime = os.difftime } }
  for _, name in ipairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber", "tostring", "type", "xpcall" }) do env[name] = _G[name] end
  local chunk, problem = load(source, label, "t", env)
  if not chunk then expect(false, label .. ": " .. problem) return end
  local ok, result = pcall(chunk)
  if ok and type(result) == "function" then ok, result = pcall(result) end
  if not ok and result ~= EXIT then expect(false, label .. " failed: " .. tostring(result)) end
end

local api_route = { "llm-gateway", "credential-required" }

-- A key in Authorization: hashed for the rate limit, spoofed hash and Next.js header dropped.
local state = request({ path = "/v1/chat/completions", tags = api_route, headers = {
  Authorization = "Bearer " .. TEST_KEY, ["X-Gateway-Key-Hash"] = "chosen-by-client", ["x-middleware-subrequest"] = "middleware" } })
run(PRE_ACCESS, state, "pre-function")
expect(state.headers["x-gateway-key-hash"] == EXPECTED_HASH, "Bearer key: X-Gateway-Key-Hash is " .. tostring(state.headers["x-gateway-key-hash"]) .. ", not the key's SHA-1")
expect(state.headers["x-middleware-subrequest"] == nil, "x-middleware-subrequest reaches the upstream")
run(POST_ACCESS, state, "post-function")
expect(state.exit == nil, "a request with a key is refused at the edge")
expect(state.headers["x-gateway-key-hash"] == nil, "X-Gateway-Key-Hash reaches the API")

-- x-api-key (Anthropic's SDK), with spaces around it as the API tolerates.
state = request({ path = "/v1/messages", tags = api_route, headers = { ["x-api-key"] = " " .. TEST_KEY .. " " } })
run(PRE_ACCESS, state, "pre-function")
expect(state.headers["x-gateway-key-hash"] == EXPECTED_HASH, "x-api-key: not hashed like the Bearer key")

-- x-goog-api-key counts on /passthrough/ only, as in the API.
state = request({ path = "/passthrough/google/v1beta/models", tags = api_route, headers = { ["x-goog-api-key"] = TEST_KEY } })
run(PRE_ACCESS, state, "pre-function")
expect(state.headers["x-gateway-key-hash"] == EXPECTED_HASH, "x-goog-api-key on /passthrough/: not hashed")
state = request({ path = "/v1/models", tags = api_route, headers = { ["x-goog-api-key"] = TEST_KEY, ["x-request-id"] = "req-goog" } })
run(PRE_ACCESS, state, "pre-function")
run(POST_ACCESS, state, "post-function")
expect(state.exit and state.exit.status == 401, "x-goog-api-key outside /passthrough/ is taken as a credential")

-- No credential on the OpenAI surface (a hash header of its own choosing does not count): 401 in
-- OpenAI's shape with the request id.
state = request({ path = "/v1/chat/completions", tags = api_route, headers = {
  ["X-Request-ID"] = "req-openai", Authorization = "Basic dXNlcjpwYXNz", ["X-Gateway-Key-Hash"] = "chosen-by-client" } })
run(PRE_ACCESS, state, "pre-function")
run(POST_ACCESS, state, "post-function")
local body = state.exit and state.exit.body or {}
local error_body = body.error or {}
expect(state.exit and state.exit.status == 401, "no credential (Basic auth): not refused with 401")
expect(error_body.type == "authentication_error" and error_body.code == "invalid_api_key", "401 body: not OpenAI's authentication_error / invalid_api_key")
expect(error_body.param == NULL and error_body.request_id == "req-openai" and error_body.source == "edge", "401 body: param null, request_id and source edge expected")
expect(type(error_body.message) == "string" and error_body.message:find("Bearer", 1, true) ~= nil, "401 body: the message does not say how to send the key")

-- No credential on the Anthropic surface: Anthropic's shape.
state = request({ path = "/v1/messages", tags = api_route, headers = { ["x-request-id"] = "req-anthropic" } })
run(PRE_ACCESS, state, "pre-function")
run(POST_ACCESS, state, "post-function")
body = state.exit and state.exit.body or {}
expect(state.exit and state.exit.status == 401, "no credential on /v1/messages: not refused with 401")
expect(body.type == "error" and body.error and body.error.type == "authentication_error" and body.request_id == "req-anthropic", "401 on /v1/messages: not Anthropic's error shape")

-- The dashboard needs no gateway key.
state = request({ path = "/login", tags = { "llm-gateway", "operators-only" }, headers = {} })
run(PRE_ACCESS, state, "pre-function")
run(POST_ACCESS, state, "post-function")
expect(state.exit == nil, "the dashboard is refused for want of a gateway key")

-- Kong's own 429 tells the client to wait; the API's 429 keeps its own Retry-After.
state = request({ path = "/v1/chat/completions", source = "exit", status = 429 })
run(POST_HEADER_FILTER, state, "post-function header_filter")
expect(state.response_headers["retry-after"] == "1", "Kong's own 429 does not get Retry-After: 1")
state = request({ path = "/v1/chat/completions", source = "service", status = 429, response_headers = { ["Retry-After"] = "30" } })
run(POST_HEADER_FILTER, state, "post-function header_filter")
expect(state.response_headers["retry-after"] == "30", "the API's Retry-After was changed")
state = request({ path = "/v1/chat/completions", source = "service", status = 200 })
run(POST_HEADER_FILTER, state, "post-function header_filter")
expect(state.response_headers["retry-after"] == nil, "Retry-After added to a 200")

-- Kong's own errors on the Anthropic surface: Anthropic's shape, Kong's message, the request id;
-- the length header dropped for the new body. Elsewhere, and for the API's answers, nothing changes.
local template = '{"error":{"message":"API rate limit exceeded","type":"edge_error","code":null,"param":null,"request_id":"kong-id","source":"edge"}}'
state = request({ path = "/v1/messages", source = "exit", status = 429, raw_body = template,
  headers = { ["X-Request-ID"] = 'req-"quoted"' }, response_headers = { ["Content-Length"] = "120" } })
run(POST_HEADER_FILTER, state, "post-function header_filter")
expect(state.response_headers["content-length"] == nil, "Kong's 429 on /v1/messages keeps a Content-Length its new body does not have")
expect(state.response_headers["retry-after"] == "1", "Kong's 429 on /v1/messages does not get Retry-After: 1")
run(POST_BODY_FILTER, state, "post-function body_filter")
expect(state.raw_body == '{"type":"error","error":{"type":"rate_limit_error","message":"API rate limit exceeded"},"request_id":"req-\\u0022quoted\\u0022"}',
  "Kong's 429 on /v1/messages is not in Anthropic's shape: " .. tostring(state.raw_body))
state = request({ path = "/v1/messages/count_tokens", source = "exit", status = 413,
  raw_body = '{"error":{"message":"Request size limit exceeded","type":"edge_error"}}' })
run(POST_BODY_FILTER, state, "post-function body_filter")
expect(state.raw_body == '{"type":"error","error":{"type":"request_too_large","message":"Request size limit exceeded"},"request_id":null}',
  "Kong's 413 on /v1/messages/count_tokens is not in Anthropic's shape: " .. tostring(state.raw_body))
state = request({ path = "/v1/messages", source = "exit", status = 429, raw_body = nil })
run(POST_BODY_FILTER, state, "post-function body_filter")
expect(state.raw_body == nil, "the body was replaced before its last chunk")
state = request({ path = "/v1/chat/completions", source = "exit", status = 429, raw_body = template, response_headers = { ["Content-Length"] = "120" } })
run(POST_HEADER_FILTER, state, "post-function header_filter")
run(POST_BODY_FILTER, state, "post-function body_filter")
expect(state.raw_body == nil and state.response_headers["content-length"] == "120", "Kong's 429 on the OpenAI surface was rewritten")
state = request({ path = "/v1/messages", source = "service", status = 429, raw_body = '{"type":"error"}', response_headers = { ["Content-Length"] = "16" } })
run(POST_HEADER_FILTER, state, "post-function header_filter")
run(POST_BODY_FILTER, state, "post-function body_filter")
expect(state.raw_body == nil and state.response_headers["content-length"] == "16", "the API's own 429 on /v1/messages was rewritten")

return table.concat(problems, "\n")
`;

/** What the functions do wrong (empty when they behave). */
export function serverlessBehaviourProblems(functions: ServerlessFunctions): string[] {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  lua.lua_pushjsfunction(L, (state) => {
    const digest = createHash('sha1').update(lauxlib.luaL_checklstring(state, 1)).digest();
    lua.lua_pushlstring(state, new Uint8Array(digest), digest.length);
    return 1;
  });
  lua.lua_setglobal(L, to_luastring('sha1_bin'));
  const globals: Record<string, string> = {
    PRE_ACCESS: functions.preAccess,
    POST_ACCESS: functions.postAccess,
    POST_HEADER_FILTER: functions.postHeaderFilter,
    POST_BODY_FILTER: functions.postBodyFilter,
    TEST_KEY: testKey,
    EXPECTED_HASH: createHash('sha1').update(testKey).digest('hex'),
  };
  for (const [name, value] of Object.entries(globals)) {
    lua.lua_pushstring(L, to_luastring(value));
    lua.lua_setglobal(L, to_luastring(name));
  }
  if (lauxlib.luaL_loadstring(L, to_luastring(harness)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    return [`the harness failed: ${lua.lua_tojsstring(L, -1)}`];
  }
  const problems = lua.lua_tojsstring(L, -1);
  return problems ? problems.split('\n') : [];
}
