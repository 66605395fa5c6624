// Protobuf field tables of pod and container security contexts, from core/v1 generated.proto field numbers.
import {B, I64, S, type MessageSchema} from './protobuf.js'

/** Security context messages; most scalars are Go pointers, so an explicit false or 0 is kept ('k'). */
export const securityMessages: Record<string, MessageSchema> = {
  PodSecurityContext: {
    1: ['seLinuxOptions', 'SELinuxOptions'], 2: ['runAsUser', I64, 'k'], 3: ['runAsNonRoot', B, 'k'], 4: ['supplementalGroups', I64, 'r'],
    5: ['fsGroup', I64, 'k'], 6: ['runAsGroup', I64, 'k'], 7: ['sysctls', 'Sysctl', 'r'], 8: ['windowsOptions', 'WindowsSecurityContextOptions'],
    9: ['fsGroupChangePolicy', S, 'k'], 10: ['seccompProfile', 'SeccompProfile'], 11: ['appArmorProfile', 'AppArmorProfile'],
    12: ['supplementalGroupsPolicy', S, 'k'], 13: ['seLinuxChangePolicy', S, 'k'],
  },
  SecurityContext: {
    1: ['capabilities', 'Capabilities'], 2: ['privileged', B, 'k'], 3: ['seLinuxOptions', 'SELinuxOptions'], 4: ['runAsUser', I64, 'k'],
    5: ['runAsNonRoot', B, 'k'], 6: ['readOnlyRootFilesystem', B, 'k'], 7: ['allowPrivilegeEscalation', B, 'k'], 8: ['runAsGroup', I64, 'k'],
    9: ['procMount', S, 'k'], 10: ['windowsOptions', 'WindowsSecurityContextOptions'], 11: ['seccompProfile', 'SeccompProfile'],
    12: ['appArmorProfile', 'AppArmorProfile'], 13: ['ulimits', 'Ulimit', 'r'],
  },
  Capabilities: {1: ['add', S, 'r'], 2: ['drop', S, 'r']},
  SELinuxOptions: {1: ['user', S], 2: ['role', S], 3: ['type', S], 4: ['level', S]},
  WindowsSecurityContextOptions: {1: ['gmsaCredentialSpecName', S, 'k'], 2: ['gmsaCredentialSpec', S, 'k'], 3: ['runAsUserName', S, 'k'], 4: ['hostProcess', B, 'k']},
  // SeccompProfile and AppArmorProfile: a required type, and a localhost profile path only for type Localhost.
  SeccompProfile: {1: ['type', S, 'k'], 2: ['localhostProfile', S, 'k']},
  AppArmorProfile: {1: ['type', S, 'k'], 2: ['localhostProfile', S, 'k']},
  Sysctl: {1: ['name', S, 'k'], 2: ['value', S, 'k']},
  Ulimit: {1: ['name', S, 'k'], 2: ['hard', I64, 'k'], 3: ['soft', I64, 'k']},
}
