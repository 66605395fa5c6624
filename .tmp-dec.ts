import {decodeTyped} from '/work/wt/schemas/src/api/schema/decode.ts'
import {definitionName} from '/work/wt/schemas/src/api/schema/index.ts'
const dep = definitionName('apps','v1','Deployment')!
const cases: unknown[] = [
 {spec: {replica: 3, selector: {}, template: {spec: {containers: [{name: 'a', image: 'x', imagePullPolicyy: 'A'}]}}}},
 {spec: {replicas: 'two'}}, {spec: {replicas: 2.5}}, {spec: {replicas: 1e12}},
 {spec: {template: {spec: {tolerations: 'abc'}}}}, {spec: {template: {spec: {containers: 'x'}}}},
 {spec: {template: {spec: {containers: ['x']}}}}, {spec: {template: {spec: {containers: [{image: 5}]}}}},
 {spec: {strategy: {rollingUpdate: {maxSurge: 2.5}}}}, {spec: {strategy: {rollingUpdate: {maxSurge: '25%'}}}},
 {spec: {template: {spec: {containers: [{resources: {limits: {cpu: 'abc'}}}]}}}},
 {metadata: {labels: {a: 1}}}, {metadata: {creationTimestamp: 5}},
]
for (const c of cases) console.log(JSON.stringify(decodeTyped(c as Record<string, unknown>, dep, true)))
console.log(JSON.stringify(decodeTyped({data: {a: {b: 1}}}, definitionName('','v1','ConfigMap')!, true)))
console.log(JSON.stringify(decodeTyped({data: {a: 'aGk=', b: 'not base64!'}}, definitionName('','v1','Secret')!, true)))
console.log(JSON.stringify(decodeTyped({data: {a: 'aGk='}, stringData: {x: 'y'}, type: 'Opaque'}, definitionName('','v1','Secret')!, true)))
