// farm-reload: a Vite plugin through which farm-lsp tells the dev server
// precisely what to reload after a save.
//
//   // vite.config.ts
//   import farmReload from '<path to>/editors/vite/farm-reload.js'
//   export default defineConfig({ plugins: [react(), farmReload()] })
//
// It adds POST /__farm/reload (JSON, Content-Type: application/json):
//   {kind: "full"}                      → every browser does a full reload
//   {kind: "modules", files: [abs, …]}  → server.reloadModule for each module
//                                         of those files in the module graph
//   {kind: "custom", event, data}       → server.ws.send(event, data)
// and answers {ok, reloaded, clients[, missing]}; clients is the number of
// connected HMR clients (0: no browser open).
//
// Dev server only (apply: 'serve'); plain ESM without dependencies, works
// with Vite 5, 6 and 7 (server.ws.send and server.reloadModule are stable).

const MAX_BODY = 1 << 20

/**
 * @param {{path?: string}} [options]
 * @returns {import('vite').Plugin}
 */
export default function farmReload(options = {}) {
  const route = options.path ?? '/__farm/reload'
  return {
    name: 'farm-reload',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use(route, (req, res) => {
        handle(server, req, res).catch((err) => {
          reply(res, 500, { ok: false, error: String(err?.message ?? err) })
        })
      })
    },
  }
}

async function handle(server, req, res) {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST')
    return reply(res, 405, { ok: false, error: 'POST a JSON body' })
  }
  // A JSON content type cannot be sent cross-site without a CORS
  // preflight, which this endpoint never grants.
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return reply(res, 415, { ok: false, error: 'Content-Type must be application/json' })
  }
  let body
  try {
    body = JSON.parse(await readBody(req))
  } catch (err) {
    return reply(res, 400, { ok: false, error: 'bad JSON: ' + (err?.message ?? err) })
  }
  const clients = countClients(server)
  switch (body?.kind) {
    case 'full':
      server.ws.send({ type: 'full-reload', path: '*' })
      return reply(res, 200, { ok: true, reloaded: 0, clients })
    case 'modules': {
      if (!Array.isArray(body.files)) {
        return reply(res, 400, { ok: false, error: 'modules needs files: [absolute paths]' })
      }
      let reloaded = 0
      const missing = []
      for (const file of body.files) {
        const mods = server.moduleGraph.getModulesByFile(normalize(String(file)))
        if (!mods || mods.size === 0) {
          missing.push(file)
          continue
        }
        for (const mod of mods) {
          await server.reloadModule(mod)
          reloaded++
        }
      }
      return reply(res, 200, { ok: true, reloaded, clients, missing })
    }
    case 'custom':
      if (typeof body.event !== 'string' || body.event === '') {
        return reply(res, 400, { ok: false, error: 'custom needs event: string' })
      }
      server.ws.send(body.event, body.data)
      return reply(res, 200, { ok: true, reloaded: 0, clients })
    default:
      return reply(res, 400, { ok: false, error: `unknown kind ${JSON.stringify(body?.kind)} (full, modules, custom)` })
  }
}

function countClients(server) {
  const clients = server.ws?.clients
  if (clients && typeof clients.size === 'number') return clients.size
  return 0
}

// Vite keys its module graph by forward-slash paths.
function normalize(file) {
  return file.replace(/\\/g, '/')
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0
    const chunks = []
    req.on('data', (c) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new Error('body too large'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function reply(res, status, obj) {
  if (res.headersSent) return
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify(obj))
}
