import type { Plan } from '../plan'
import type { Answer, CheckResult } from '../types'
import { answerKey } from './answers'
import type { Answers } from './answers'
import { PathAudit } from './path'
import { unknownPathResult } from './unknown'

/** Turns the answers to a plan's requests into check results: documented paths in order, then the unknown path. */
export function evaluate (plan: Plan, answers: Answers): CheckResult[] {
  const results: CheckResult[] = []
  for (const path of plan.paths) results.push(...new PathAudit(path, answers, plan.documentedMethods).run())
  if (plan.unknown !== undefined) {
    for (const method of plan.unknown.methods) {
      results.push(unknownPathResult(plan.unknown.url, method, answers.get(answerKey(method, plan.unknown.url)) as Answer, plan.documentedMethods))
    }
  }
  return results
}
