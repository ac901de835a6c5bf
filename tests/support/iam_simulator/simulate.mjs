// Evaluates IAM requests against identity policies with @cloud-copilot/iam-simulate, AWS's
// evaluation logic (every condition operator, set operators, wildcards, variables) in a library.
// stdin: [{principal, action, resource, context, policies: [{name, policy}]}, ...]
// stdout: [{result, allowedBy: [Sid, ...], errors}, ...] in the same order.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const account = (arn) => (arn.split(':')[4] || '123456789012')

const results = []
for (const c of cases) {
  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: account(c.principal) },
      contextVariables: c.context,
    },
    identityPolicies: c.policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }
  const r = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (r.resultType === 'error') {
    results.push({ result: 'Error', allowedBy: [], errors: r.errors })
    continue
  }
  const analyses = r.resultType === 'single' ? [r.result] : r.results
  const allowedBy = new Set()
  for (const a of analyses) {
    for (const s of a.analysis?.identityAnalysis?.allowStatements ?? []) allowedBy.add(s.explain?.identifier ?? s.statement.sid?.())
  }
  results.push({ result: r.overallResult, allowedBy: [...allowedBy], errors: null })
}
process.stdout.write(JSON.stringify(results))
