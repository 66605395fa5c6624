// Defaulting produces the same stored objects as the real apiserver for Deployments, Pods, Services, Jobs and friends.
import assert from 'node:assert/strict'
import {defaultJobSelector} from '../../../src/api/resources/batch/job.js'
import {applyDefaults} from '../../../src/api/resources/index.js'
import {builtin} from './builtin.js'
import type {KubeObject} from '../../../src/api/types.js'

const EXPECTED_TEMPLATE_SPEC = {
  containers: [
    {
      name: 'nginx',
      image: 'nginx:1.27',
      ports: [{containerPort: 80, protocol: 'TCP'}],
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
    },
  ],
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
  schedulerName: 'default-scheduler',
}

describe('defaults', () => {
  it('Deployment (as `kubectl create deployment nginx --image=nginx:1.27 --port=80` stores it)', () => {
    const d: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'nginx', namespace: 'default', labels: {app: 'nginx'}},
      spec: {
        selector: {matchLabels: {app: 'nginx'}},
        template: {metadata: {labels: {app: 'nginx'}}, spec: {containers: [{name: 'nginx', image: 'nginx:1.27', ports: [{containerPort: 80}]}]}},
      },
    }
    applyDefaults(builtin('apps', 'deployments'), d)
    assert.deepEqual(d.spec, {
      replicas: 1,
      selector: {matchLabels: {app: 'nginx'}},
      template: {metadata: {labels: {app: 'nginx'}}, spec: EXPECTED_TEMPLATE_SPEC},
      strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: '25%', maxSurge: '25%'}},
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    })
  })

  it('keeps explicit values and Recreate has no rollingUpdate', () => {
    const d: KubeObject = {metadata: {name: 'x'}, spec: {replicas: 0, strategy: {type: 'Recreate'}, template: {spec: {containers: []}}}}
    applyDefaults(builtin('apps', 'deployments'), d)
    assert.equal(d.spec.replicas, 0)
    assert.deepEqual(d.spec.strategy, {type: 'Recreate'})
  })

  it('Pod: spec defaults, admission fields, probes, volumes, status', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: 'web', namespace: 'default'},
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            livenessProbe: {httpGet: {port: 80}},
            readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 5},
            env: [{name: 'NODE', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}}],
            resources: {limits: {cpu: '500m', memory: '128Mi'}},
          },
          {name: 'pinned', image: 'busybox@sha256:abc'},
          {name: 'registry', image: 'localhost:5000/app'},
        ],
        volumes: [{name: 'cfg', configMap: {name: 'cfg'}}, {name: 'scratch'}, {name: 's', secret: {secretName: 's', defaultMode: 256}}],
      },
    }
    applyDefaults(builtin('', 'pods'), pod)
    const [web, pinned, registry] = pod.spec.containers
    assert.equal(web.imagePullPolicy, 'Always')
    assert.equal(pinned.imagePullPolicy, 'IfNotPresent')
    assert.equal(registry.imagePullPolicy, 'Always')
    assert.deepEqual(web.livenessProbe, {httpGet: {port: 80, path: '/', scheme: 'HTTP'}, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3})
    assert.equal(web.readinessProbe.periodSeconds, 5)
    assert.equal(web.env[0].valueFrom.fieldRef.apiVersion, 'v1')
    assert.deepEqual(web.resources.requests, {cpu: '500m', memory: '128Mi'})
    assert.deepEqual(pinned.resources, {})
    assert.deepEqual(pod.spec.volumes, [
      {name: 'cfg', configMap: {name: 'cfg', defaultMode: 420}},
      {name: 'scratch', emptyDir: {}},
      {name: 's', secret: {secretName: 's', defaultMode: 256}},
    ])
    const {containers: _c, volumes: _v, ...rest} = pod.spec
    assert.deepEqual(rest, {
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
      tolerations: [
        {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300},
        {key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300},
      ],
    })
    assert.deepEqual(pod.status, {phase: 'Pending', qosClass: 'Burstable'})
  })

  it('Service, Namespace, Secret', () => {
    const svc: KubeObject = {metadata: {name: 'web'}, spec: {type: 'NodePort', selector: {app: 'web'}, ports: [{port: 80}, {port: 443, targetPort: 'https', protocol: 'TCP'}]}}
    applyDefaults(builtin('', 'services'), svc)
    assert.deepEqual(svc.spec, {
      type: 'NodePort',
      selector: {app: 'web'},
      ports: [{port: 80, protocol: 'TCP', targetPort: 80}, {port: 443, targetPort: 'https', protocol: 'TCP'}],
      sessionAffinity: 'None',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    })
    const ns: KubeObject = {metadata: {name: 'team-a'}}
    applyDefaults(builtin('', 'namespaces'), ns)
    assert.deepEqual(ns, {metadata: {name: 'team-a', labels: {'kubernetes.io/metadata.name': 'team-a'}}, status: {phase: 'Active'}})
    // A finalized namespace (spec.finalizers emptied by the namespace controller) must stay finalized.
    const finalized: KubeObject = {metadata: {name: 'gone', uid: 'u'}, spec: {}, status: {phase: 'Terminating'}}
    applyDefaults(builtin('', 'namespaces'), finalized)
    assert.deepEqual(finalized.spec, {})
    assert.equal(finalized.status.phase, 'Terminating')
    const secret: KubeObject = {metadata: {name: 's'}, data: {a: 'eA==', b: 'eA=='}, stringData: {b: 'hello', c: 'é'}}
    applyDefaults(builtin('', 'secrets'), secret)
    assert.equal(secret.type, 'Opaque')
    assert.deepEqual(secret.data, {a: 'eA==', b: 'aGVsbG8=', c: 'w6k='})
    assert.equal(secret.stringData, undefined)
  })

  it('StatefulSet and DaemonSet', () => {
    const sts: KubeObject = {metadata: {name: 'db'}, spec: {template: {spec: {containers: [{name: 'c', image: 'x:1'}]}}}}
    applyDefaults(builtin('apps', 'statefulsets'), sts)
    assert.deepEqual(
      {...sts.spec, template: undefined},
      {
        template: undefined,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}},
        replicas: 1,
        revisionHistoryLimit: 10,
        persistentVolumeClaimRetentionPolicy: {whenDeleted: 'Retain', whenScaled: 'Retain'},
      },
    )
    const ds: KubeObject = {metadata: {name: 'ds'}, spec: {template: {spec: {containers: [{name: 'c', image: 'x:1'}]}}}}
    applyDefaults(builtin('apps', 'daemonsets'), ds)
    assert.deepEqual(ds.spec.updateStrategy, {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1, maxSurge: 0}})
    assert.equal(ds.spec.revisionHistoryLimit, 10)
    assert.equal(ds.spec.template.spec.schedulerName, 'default-scheduler')
  })

  it('Job defaults and the generated selector', () => {
    const job: KubeObject = {metadata: {name: 'pi', namespace: 'default', uid: 'abc-123'}, spec: {template: {spec: {restartPolicy: 'Never', containers: [{name: 'pi', image: 'perl:5.34'}]}}}}
    applyDefaults(builtin('batch', 'jobs'), job)
    const labels = {
      'batch.kubernetes.io/controller-uid': 'abc-123',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'abc-123',
      'job-name': 'pi',
    }
    assert.deepEqual(job.metadata.labels, labels)
    const {template, ...spec} = job.spec
    assert.deepEqual(spec, {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      manualSelector: false,
      selector: {matchLabels: {'batch.kubernetes.io/controller-uid': 'abc-123'}},
    })
    assert.deepEqual(template.metadata.labels, labels)
    assert.equal(template.spec.restartPolicy, 'Never')
    // Without a uid (before the apiserver assigned one) only the plain defaults apply; the selector comes later.
    const early: KubeObject = {metadata: {name: 'e'}, spec: {template: {spec: {containers: []}}}}
    applyDefaults(builtin('batch', 'jobs'), early)
    assert.equal(early.spec.selector, undefined)
    early.metadata.uid = 'u9'
    defaultJobSelector(early)
    assert.deepEqual(early.spec.selector, {matchLabels: {'batch.kubernetes.io/controller-uid': 'u9'}})
    const manual: KubeObject = {metadata: {name: 'm', uid: 'u'}, spec: {manualSelector: true, selector: {matchLabels: {a: 'b'}}, template: {metadata: {labels: {a: 'b'}}, spec: {containers: []}}}}
    applyDefaults(builtin('batch', 'jobs'), manual)
    defaultJobSelector(manual)
    assert.deepEqual(manual.spec.selector, {matchLabels: {a: 'b'}})
    assert.deepEqual(manual.metadata.labels, {a: 'b'})
  })

  it('CronJob', () => {
    const cj: KubeObject = {metadata: {name: 'c'}, spec: {schedule: '* * * * *', jobTemplate: {spec: {template: {spec: {containers: [{name: 'c', image: 'busybox'}]}}}}}}
    applyDefaults(builtin('batch', 'cronjobs'), cj)
    assert.equal(cj.spec.concurrencyPolicy, 'Allow')
    assert.equal(cj.spec.suspend, false)
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3)
    assert.equal(cj.spec.failedJobsHistoryLimit, 1)
    assert.equal(cj.spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy, 'Always')
    assert.equal(cj.spec.jobTemplate.spec.completions, undefined)
  })

  it('is idempotent', () => {
    const d: KubeObject = {metadata: {name: 'x'}, spec: {template: {spec: {containers: [{name: 'c', image: 'x'}]}}}}
    applyDefaults(builtin('apps', 'deployments'), d)
    const once = structuredClone(d)
    applyDefaults(builtin('apps', 'deployments'), d)
    assert.deepEqual(d, once)
  })
})
