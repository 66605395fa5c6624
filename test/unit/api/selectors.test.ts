// Tests of the shared label-selector module: parsing the string form, matching LabelSelectors, and printing them.
import {strict as assert} from 'node:assert'
import {
  formatLabelSelector,
  labelGetter,
  matchesLabelRequirement,
  parseSelector,
  requirementsMatch,
  SelectorError,
  selectorIsEmpty,
  selectorMatches,
  selectorString,
} from '../../../src/api/selectors.js'

const matchString = (s: string, labels: Record<string, string>) => requirementsMatch(parseSelector(s), labelGetter(labels))

describe('api/selectors', () => {
  it('parses every operator of the string form', () => {
    assert.deepEqual(parseSelector('app=web, tier==front,env!=prod,zone in (a, b),k notin (x),has,!gone'), [
      {key: 'app', op: '=', values: ['web']},
      {key: 'tier', op: '=', values: ['front']},
      {key: 'env', op: '!=', values: ['prod']},
      {key: 'zone', op: 'in', values: ['a', 'b']},
      {key: 'k', op: 'notin', values: ['x']},
      {key: 'has', op: 'exists', values: []},
      {key: 'gone', op: '!exists', values: []},
    ])
    assert.deepEqual(parseSelector(''), [])
    assert.throws(() => parseSelector('a b'), (err: Error) => err instanceof SelectorError && /unable to parse requirement: "a b"/.test(err.message))
  })

  it('matches the string form against labels', () => {
    const labels = {app: 'web', zone: 'a'}
    assert.equal(matchString('app=web,zone in (a,b)', labels), true)
    assert.equal(matchString('app!=web', labels), false)
    assert.equal(matchString('env!=prod', labels), true, '!= matches an absent label')
    assert.equal(matchString('env notin (prod)', labels), true, 'notin matches an absent label')
    assert.equal(matchString('env in (prod)', labels), false)
    assert.equal(matchString('app,!env', labels), true)
    assert.equal(matchString('constructor', labels), false, 'only own keys are labels')
  })

  it('matches a LabelSelector: matchLabels and every expression operator', () => {
    const labels = {app: 'web', tier: 'front'}
    assert.equal(selectorMatches({matchLabels: {app: 'web'}}, labels), true)
    assert.equal(selectorMatches({matchLabels: {app: 'db'}}, labels), false)
    assert.equal(selectorMatches({matchExpressions: [{key: 'tier', operator: 'In', values: ['front', 'back']}]}, labels), true)
    assert.equal(selectorMatches({matchExpressions: [{key: 'tier', operator: 'NotIn', values: ['front']}]}, labels), false)
    assert.equal(selectorMatches({matchExpressions: [{key: 'env', operator: 'NotIn', values: ['prod']}]}, labels), true)
    assert.equal(selectorMatches({matchExpressions: [{key: 'app', operator: 'Exists'}]}, labels), true)
    assert.equal(selectorMatches({matchExpressions: [{key: 'app', operator: 'DoesNotExist'}]}, labels), false)
    assert.equal(selectorMatches({matchLabels: {app: 'web'}}, undefined), false)
  })

  it('matches nothing for an absent selector or an unknown operator, everything for an empty one', () => {
    assert.equal(selectorMatches(undefined, {a: 'b'}), false)
    assert.equal(selectorMatches(null, {a: 'b'}), false)
    assert.equal(selectorMatches({matchExpressions: [{key: 'a', operator: 'Gt', values: ['1']}]}, {a: '2'}), false)
    assert.equal(selectorMatches({}, {a: 'b'}), true)
    assert.equal(selectorIsEmpty({}), true)
    assert.equal(selectorIsEmpty(undefined), true)
    assert.equal(selectorIsEmpty({matchLabels: {a: 'b'}}), false)
  })

  it('matches one requirement for callers that add their own operators (node affinity)', () => {
    assert.equal(matchesLabelRequirement({a: '1'}, {key: 'a', operator: 'In', values: ['1']}), true)
    assert.equal(matchesLabelRequirement({a: '1'}, {key: 'a', operator: 'Gt', values: ['0']}), false)
  })

  it('prints selectors as Kubernetes does: sorted by key, set values sorted, <none> when empty', () => {
    const sel = {matchLabels: {b: '2', a: '1'}, matchExpressions: [{key: 'c', operator: 'In', values: ['y', 'x']}, {key: 'a', operator: 'Exists'}, {key: 'd', operator: 'DoesNotExist'}]}
    assert.equal(selectorString(sel), 'a=1,a,b=2,c in (x,y),!d')
    assert.equal(formatLabelSelector({}), '<none>')
    assert.equal(formatLabelSelector({matchLabels: {app: 'web'}}), 'app=web')
  })
})
