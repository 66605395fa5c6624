// CRD structural schemas: value validation wording, defaulting, pruning, CEL rules (incl. transition rules) and the structural check.
import assert from 'node:assert/strict'
import {compileSchema, validateSchema, type JSONSchemaProps} from '../../../src/apiserver/crd/schema/index.js'

// The CronTab schema from the Kubernetes documentation, with a CEL rule and a few extra constraints.
const cronTab: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['cronSpec'],
      'x-kubernetes-validations': [
        {rule: 'self.replicas <= self.maxReplicas', message: 'replicas should be smaller than or equal to maxReplicas'},
        {rule: 'self.image == oldSelf.image', message: 'image is immutable', fieldPath: '.image'},
      ],
      properties: {
        cronSpec: {type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'},
        image: {type: 'string', maxLength: 20},
        replicas: {type: 'integer', minimum: 1, maximum: 10, default: 1},
        maxReplicas: {type: 'integer', default: 10},
        policy: {type: 'string', enum: ['Allow', 'Forbid']},
        startAt: {type: 'string', format: 'date-time'},
        port: {'x-kubernetes-int-or-string': true},
        tags: {type: 'array', items: {type: 'string'}, 'x-kubernetes-list-type': 'set', maxItems: 3},
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {type: 'object', required: ['name'], properties: {name: {type: 'string'}, port: {type: 'integer', format: 'int32'}}},
        },
        labels: {type: 'object', additionalProperties: {type: 'string', minLength: 1}, maxProperties: 2},
        extra: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true},
        template: {type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true},
        note: {type: 'string', nullable: true},
      },
    },
  },
}

const schema = compileSchema(cronTab)

function crontab(spec: Record<string, unknown>): Record<string, unknown> {
  return {apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: {name: 'c'}, spec}
}

const BLOCKED = '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation'

/** Defaults then validates, in the apiserver's order (defaults apply when the object is decoded). */
function messages(spec: Record<string, unknown>, old?: Record<string, unknown>): string[] {
  const obj = crontab(spec)
  schema.applyDefaults(obj)
  return schema.validate(obj, old ? crontab(old) : undefined).map((c) => `${c.field}: ${c.message}`)
}

describe('CRD schema validation', () => {
  it('accepts a valid CronTab', () => {
    assert.deepEqual(messages({cronSpec: '* * * * */5', image: 'my-cron-image', replicas: 3, maxReplicas: 5, port: 'http', startAt: '2026-12-03T12:00:00Z'}), [])
  })

  it('words type errors as Kubernetes does', () => {
    assert.equal(schema.validate(crontab({cronSpec: '* * * * *', replicas: 'x'}))[0].reason, 'FieldValueTypeInvalid')
    assert.deepEqual(messages({cronSpec: '* * * * *', replicas: 'three'}), [
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      BLOCKED,
    ])
    assert.deepEqual(messages({cronSpec: '* * * * *', replicas: 1.5}), [
      'spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"',
      BLOCKED,
    ])
    assert.deepEqual(messages({cronSpec: '* * * * *', port: true}), [
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      BLOCKED,
    ])
  })

  it('reports required, enum, pattern, bounds, lengths and formats', () => {
    assert.deepEqual(messages({}), ['spec.cronSpec: Required value'])
    const m = messages({cronSpec: 'nope', policy: 'Maybe', replicas: 0, image: 'x'.repeat(21), startAt: 'yesterday'})
    assert.ok(m.includes('spec.policy: Unsupported value: "Maybe": supported values: "Allow", "Forbid"'), m.join('\n'))
    assert.ok(m.some((s) => s.startsWith('spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match \'^(\\d+|')), m.join('\n'))
    assert.ok(m.includes('spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1'), m.join('\n'))
    assert.ok(m.some((s) => s.startsWith('spec.image: Too long: may not be')), m.join('\n'))
    assert.ok(m.includes('spec.startAt: Invalid value: "yesterday": spec.startAt in body must be of type date-time: "yesterday"'), m.join('\n'))
    assert.deepEqual(messages({cronSpec: '* * * * *', replicas: 11, maxReplicas: 20}), ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10'])
  })

  it('checks exclusive bounds, int32 and object/array sizes', () => {
    const s = compileSchema({type: 'object', properties: {n: {type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}, a: {type: 'array', items: {type: 'integer'}, minItems: 2}, o: {type: 'object', minProperties: 1, additionalProperties: {type: 'integer'}}}})
    const m = s.validate({n: 0, a: [1], o: {}}).map((c) => `${c.field}: ${c.message}`)
    assert.deepEqual(m, [
      'n: Invalid value: 0: n in body should be greater than 0',
      'a: Invalid value: 1: a in body should have at least 2 items',
      'o: Invalid value: 0: o in body should have at least 1 properties',
    ])
    assert.deepEqual(s.validate({n: 1}).map((c) => c.message), ['Invalid value: 1: n in body should be less than 1'])
    assert.deepEqual(messages({cronSpec: '* * * * *', ports: [{name: 'a', port: 2 ** 31}]}), ['spec.ports[0].port: Invalid value: 2147483648: spec.ports[0].port in body must be of type int32: 2147483648'])
    const tooMany = schema.validate(crontab({cronSpec: '* * * * *', replicas: 1, maxReplicas: 1, tags: ['a', 'b', 'c', 'd'], labels: {a: 'x', b: 'y', c: 'z'}}))
    assert.deepEqual(tooMany.map((c) => c.reason), ['FieldValueTooMany', 'FieldValueTooMany'])
    assert.deepEqual(tooMany.map((c) => c.field), ['spec.tags', 'spec.labels'])
  })

  it('rejects duplicates in sets and list-map keys, and validates additionalProperties values', () => {
    assert.deepEqual(messages({cronSpec: '* * * * *', tags: ['a', 'a']}), ['spec.tags[1]: Duplicate value: "a"'])
    const m = schema.validate(crontab({cronSpec: '* * * * *', replicas: 1, maxReplicas: 1, ports: [{name: 'http', port: 80}, {name: 'http', port: 81}]}))
    assert.equal(m.length, 1)
    assert.equal(m[0].reason, 'FieldValueDuplicate')
    assert.equal(m[0].field, 'spec.ports[1]')
    assert.equal(m[0].message, 'Duplicate value: map[string]interface {}{"name":"http"}')
    assert.deepEqual(messages({cronSpec: '* * * * *', ports: [{port: 1}]}), ['spec.ports[0].name: Required value'])
    assert.deepEqual(messages({cronSpec: '* * * * *', labels: {a: ''}}), ['spec.labels.a: Invalid value: "": spec.labels.a in body should be at least 1 chars long'])
  })

  it('handles nullable and embedded resources', () => {
    assert.deepEqual(messages({cronSpec: '* * * * *', note: null}), [])
    assert.deepEqual(messages({cronSpec: '* * * * *', image: null}), ['spec.image: Invalid value: "null": spec.image in body must be of type string: "null"', BLOCKED])
    assert.deepEqual(messages({cronSpec: '* * * * *', template: {spec: {}}}), [
      'spec.template.apiVersion: Required value: must not be empty',
      'spec.template.kind: Required value: must not be empty',
    ])
    assert.deepEqual(messages({cronSpec: '* * * * *', template: {apiVersion: 'v1', kind: 'Pod', spec: {}}}), [])
  })
})

describe('CRD schema CEL rules', () => {
  it('evaluates rules with self and reports the message at the rule\'s path', () => {
    const c = schema.validate(crontab({cronSpec: '* * * * *', replicas: 8, maxReplicas: 5}))
    assert.deepEqual(c, [{reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: replicas should be smaller than or equal to maxReplicas'}])
  })

  it('skips transition rules on create and enforces them on update, with fieldPath', () => {
    assert.deepEqual(messages({cronSpec: '* * * * *', image: 'a', replicas: 1, maxReplicas: 1}), [])
    assert.deepEqual(messages({cronSpec: '* * * * *', image: 'b', replicas: 1, maxReplicas: 1}, {cronSpec: '* * * * *', image: 'a', replicas: 1, maxReplicas: 1}), [
      'spec.image: Invalid value: image is immutable',
    ])
  })

  it('uses messageExpression, the default message and reason', () => {
    const s = compileSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {size: {type: 'integer'}, name: {type: 'string'}},
          'x-kubernetes-validations': [
            {rule: 'self.size + 1 > 2', messageExpression: '"size " + string(self.size) + " is too small"'},
            {rule: 'self.name.startsWith("x")'},
            {rule: 'has(self.name) && self.name.size() < 3', message: 'name too long', reason: 'FieldValueForbidden'},
          ],
        },
      },
    })
    assert.deepEqual(s.validate({spec: {size: 1, name: 'abcd'}}), [
      {reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: size 1 is too small'},
      {reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: failed rule: self.name.startsWith("x")'},
      {reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: name too long'},
    ])
    assert.deepEqual(s.validate({spec: {size: 5, name: 'xy'}}), [])
  })

  it('correlates list-map items for transition rules and evaluates rules on items', () => {
    const s = compileSchema({
      type: 'object',
      properties: {
        items: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {type: 'object', properties: {name: {type: 'string'}, v: {type: 'integer'}}, 'x-kubernetes-validations': [{rule: 'self.v >= oldSelf.v', message: 'v may not decrease'}, {rule: 'self.v < 100'}]},
        },
      },
    })
    const old = {items: [{name: 'a', v: 5}]}
    assert.deepEqual(s.validate({items: [{name: 'b', v: 1}, {name: 'a', v: 4}]}, old).map((c) => `${c.field}: ${c.message}`), ['items[1]: Invalid value: v may not decrease'])
    assert.deepEqual(s.validate({items: [{name: 'a', v: 200}]}).map((c) => c.field), ['items[0]'])
  })

  it('reports a rule that fails to evaluate (a missing field) as an invalid value', () => {
    const c = schema.validate(crontab({cronSpec: '* * * * *', maxReplicas: 3}))
    assert.equal(c.length, 1)
    assert.equal(c[0].field, 'spec')
    // Kubernetes names the rule by its message when it has one.
    assert.equal(c[0].message, 'Invalid value: "object": no such key: replicas evaluating rule: replicas should be smaller than or equal to maxReplicas')
  })

  it('runs rules beside other schema errors, but not after type or enum errors', () => {
    const both = messages({cronSpec: 'nope', replicas: 8, maxReplicas: 5})
    assert.equal(both.length, 2)
    assert.ok(both.includes('spec: Invalid value: replicas should be smaller than or equal to maxReplicas'), both.join('\n'))
    assert.deepEqual(messages({cronSpec: '* * * * *', replicas: 'x', maxReplicas: 5}), [
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ])
  })

  it('names root rules <nil> and sees metadata', () => {
    const s = compileSchema({type: 'object', 'x-kubernetes-validations': [{rule: 'self.metadata.name.startsWith("a")', message: 'name must start with a'}]})
    assert.deepEqual(s.validate({metadata: {name: 'b'}}), [{reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: name must start with a'}])
    assert.deepEqual(s.validate({metadata: {name: 'abc'}}), [])
  })

  it('gives date-time strings to CEL as timestamps', () => {
    const s = compileSchema({type: 'object', properties: {at: {type: 'string', format: 'date-time', 'x-kubernetes-validations': [{rule: 'self > timestamp("2020-01-01T00:00:00Z")', message: 'too early'}]}}})
    assert.deepEqual(s.validate({at: '2026-12-03T12:00:00Z'}), [])
    assert.deepEqual(s.validate({at: '2019-12-03T12:00:00Z'}), [{reason: 'FieldValueInvalid', field: 'at', message: 'Invalid value: "2019-12-03T12:00:00Z": too early'}])
  })

  it('shows scalar values and honours the Duplicate reason', () => {
    const s = compileSchema({type: 'object', properties: {n: {type: 'integer', 'x-kubernetes-validations': [{rule: 'self % 2 == 0', message: 'must be even'}]}, t: {type: 'string', 'x-kubernetes-validations': [{rule: 'self != "x"', reason: 'FieldValueDuplicate'}]}}})
    assert.deepEqual(s.validate({n: 3, t: 'x'}), [
      {reason: 'FieldValueInvalid', field: 'n', message: 'Invalid value: 3: must be even'},
      {reason: 'FieldValueDuplicate', field: 't', message: 'Duplicate value: "x"'},
    ])
  })

  it('throws when compiling a schema whose rule does not parse', () => {
    assert.throws(() => compileSchema({type: 'object', 'x-kubernetes-validations': [{rule: 'self.a <='}]}))
  })
})

describe('CRD schema defaulting and pruning', () => {
  it('applies defaults idempotently, including inside list items', () => {
    const s = compileSchema({type: 'object', properties: {spec: {type: 'object', default: {}, properties: {replicas: {type: 'integer', default: 1}, ports: {type: 'array', items: {type: 'object', properties: {protocol: {type: 'string', default: 'TCP'}}}}}}}})
    const o: Record<string, unknown> = {ports: 1}
    delete o.ports
    s.applyDefaults(o)
    assert.deepEqual(o, {spec: {replicas: 1}})
    const p: Record<string, unknown> = {spec: {replicas: 3, ports: [{}, {protocol: 'UDP'}]}}
    s.applyDefaults(p)
    s.applyDefaults(p)
    assert.deepEqual(p, {spec: {replicas: 3, ports: [{protocol: 'TCP'}, {protocol: 'UDP'}]}})
  })

  it('replaces a null with the default unless the field is nullable', () => {
    const s = compileSchema({type: 'object', properties: {a: {type: 'string', default: 'x'}, b: {type: 'string', nullable: true, default: 'y'}}})
    const o: Record<string, unknown> = {a: null, b: null}
    s.applyDefaults(o)
    assert.deepEqual(o, {a: 'x', b: null})
  })

  it('defaults the CronTab replicas', () => {
    const o = crontab({cronSpec: '* * * * *'})
    schema.applyDefaults(o)
    assert.deepEqual(o.spec, {cronSpec: '* * * * *', replicas: 1, maxReplicas: 10})
  })

  it('prunes unknown fields but keeps metadata, preserved and embedded fields', () => {
    const o = crontab({cronSpec: '* * * * *', bogus: 1, extra: {anything: {deep: true}}, template: {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'x'}, spec: {a: 1}}, labels: {a: 'b'}})
    o.status = {x: 1}
    schema.prune(o)
    assert.deepEqual(o, crontab({cronSpec: '* * * * *', extra: {anything: {deep: true}}, template: {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'x'}, spec: {a: 1}}, labels: {a: 'b'}}))
  })
})

describe('CRD structural schema check', () => {
  const path = 'spec.versions[0].schema.openAPIV3Schema'

  it('accepts the CronTab schema', () => {
    assert.deepEqual(validateSchema(cronTab, path), [])
  })

  it('requires a type at every level, known keys, object at the root and items for arrays', () => {
    const c = validateSchema({type: 'object', properties: {spec: {properties: {a: {type: 'strin'}, b: {type: 'array'}, c: {type: 'string', $ref: '#/x'}}}}}, path)
    assert.deepEqual(c.map((x) => `${x.field}: ${x.message}`), [
      `${path}.properties[spec].type: Required value: must not be empty for specified object fields`,
      `${path}.properties[spec].properties[a].type: Unsupported value: "strin": supported values: "array", "boolean", "integer", "number", "object", "string"`,
      `${path}.properties[spec].properties[b].items: Required value: must be specified`,
      `${path}.properties[spec].properties[c].$ref: Forbidden: $ref is not supported`,
    ])
    assert.deepEqual(validateSchema({type: 'string'}, path).map((x) => `${x.field}: ${x.message}`), [`${path}.type: Invalid value: "string": must be object at the root`])
    assert.deepEqual(validateSchema({properties: {a: {type: 'array', items: {}}}}, path).map((x) => `${x.field}: ${x.message}`), [
      `${path}.type: Required value: must not be empty at the root`,
      `${path}.properties[a].items.type: Required value: must not be empty for specified array items`,
    ])
  })

  it('checks embedded resources, root metadata and patterns', () => {
    const c = validateSchema({type: 'object', properties: {metadata: {type: 'object', properties: {labels: {type: 'object'}}}, e: {'x-kubernetes-embedded-resource': true}, p: {type: 'string', pattern: '('}}}, path)
    assert.deepEqual(c.map((x) => x.field), [
      `${path}.properties[metadata]`,
      `${path}.properties[e].type`,
      `${path}.properties[e].properties`,
      `${path}.properties[p].pattern`,
    ])
    assert.equal(c[1].message, 'Required value: must be object if x-kubernetes-embedded-resource is true')
    assert.deepEqual(validateSchema({type: 'object', properties: {metadata: {type: 'object', properties: {name: {type: 'string'}}}}}, path), [])
  })

  it('reports defaults that do not validate against their schema', () => {
    const c = validateSchema({type: 'object', properties: {n: {type: 'integer', default: 'x'}, o: {type: 'object', required: ['a'], properties: {a: {type: 'string'}}, default: {}}}}, path)
    assert.deepEqual(c.map((x) => `${x.field}: ${x.message}`), [
      `${path}.properties[n].default: Invalid value: "string":  in body must be of type integer: "string"`,
      `${path}.properties[o].default.a: Required value`,
    ])
  })

  it('reports CEL rules that do not compile and bad list types', () => {
    const c = validateSchema({type: 'object', 'x-kubernetes-validations': [{rule: 'self.a <='}, {rule: 'true'}], properties: {l: {type: 'array', items: {type: 'string'}, 'x-kubernetes-list-type': 'map'}}}, path)
    assert.equal(c.length, 2)
    assert.equal(c[0].field, `${path}.x-kubernetes-validations[0].rule`)
    assert.match(c[0].message, /^Invalid value: "self.a <=": compilation failed: /)
    assert.equal(c[1].field, `${path}.properties[l].x-kubernetes-list-map-keys`)
  })
})
