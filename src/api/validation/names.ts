// Name and key rules of k8s.io/apimachinery/pkg/util/validation, returning the same message strings the server uses.

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?'
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`
const CONFIGMAP_KEY_FMT = '[-._a-zA-Z0-9]+'

const anchored = (fmt: string): RegExp => new RegExp(`^${fmt}$`)
const dns1123LabelRe = anchored(DNS1123_LABEL_FMT)
const dns1123SubdomainRe = anchored(DNS1123_SUBDOMAIN_FMT)
const dns1035LabelRe = anchored(DNS1035_LABEL_FMT)
const qualifiedNameRe = anchored(QUALIFIED_NAME_FMT)
const labelValueRe = anchored(LABEL_VALUE_FMT)
const configMapKeyRe = anchored(CONFIGMAP_KEY_FMT)

/** RegexError: the message, the examples (with Go's odd ",  or" joiner) and the regex. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  let out = `${msg} (e.g. `
  examples.forEach((e, i) => {
    if (i > 0) out += ' or '
    out += `'${e}', `
  })
  return `${out}regex used for validation is '${fmt}')`
}

export const maxLenError = (n: number): string => `must be no more than ${n} characters`
export const emptyError = (): string => 'must be non-empty'
export const inclusiveRangeError = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`
export const IS_NEGATIVE_MSG = 'must be greater than or equal to 0'
export const FIELD_IMMUTABLE_MSG = 'field is immutable'

// Byte length, because Go's len() counts UTF-8 bytes.
const blen = (s: string): number => Buffer.byteLength(s, 'utf8')

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = []
  if (blen(value) > 63) errs.push(maxLenError(63))
  if (!dns1123LabelRe.test(value)) {
    errs.push(regexError('a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character', DNS1123_LABEL_FMT, 'my-name', '123-abc'))
  }
  return errs
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (blen(value) > 253) errs.push(maxLenError(253))
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, 'example.com'))
  }
  return errs
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = []
  if (blen(value) > 63) errs.push(maxLenError(63))
  if (!dns1035LabelRe.test(value)) {
    errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL_FMT, 'my-name', 'abc-123'))
  }
  return errs
}

const QUALIFIED_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

export function isQualifiedName(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) {
    name = parts[0]
  } else if (parts.length === 2) {
    const prefix = parts[0]
    name = parts[1]
    if (prefix.length === 0) errs.push('prefix part ' + emptyError())
    else for (const m of isDNS1123Subdomain(prefix)) errs.push('prefix part ' + m)
  } else {
    return [
      'a qualified name ' + regexError(QUALIFIED_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]
  }
  if (name.length === 0) errs.push('name part ' + emptyError())
  else if (blen(name) > 63) errs.push('name part ' + maxLenError(63))
  if (!qualifiedNameRe.test(name)) errs.push('name part ' + regexError(QUALIFIED_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc'))
  return errs
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = []
  if (blen(value) > 63) errs.push(maxLenError(63))
  if (!labelValueRe.test(value)) {
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'))
  }
  return errs
}

export function isConfigMapKey(value: string): string[] {
  const errs: string[] = []
  if (blen(value) > 253) errs.push(maxLenError(253))
  if (!configMapKeyRe.test(value)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIGMAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'))
  }
  if (value === '.') errs.push("must not be '.'")
  else if (value === '..') errs.push("must not be '..'")
  else if (value.startsWith('..')) errs.push("must not start with '..'")
  return errs
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)]
}

export function isValidPortName(port: string): string[] {
  const errs: string[] = []
  if (port.length > 15) errs.push(maxLenError(15))
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)')
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)')
  if (port.includes('--')) errs.push('must not contain consecutive hyphens')
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen')
  return errs
}

/** Path-segment names (custom resources): anything but ".", "..", or names containing "/" or "%". */
export function isValidPathSegmentName(name: string, prefix = false): string[] {
  const errs: string[] = []
  if (!prefix && (name === '.' || name === '..')) errs.push(`may not be '${name}'`)
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`)
  return errs
}

/** The name rule a resource's metadata.name must follow. */
export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path'

export function checkName(rule: NameRule, value: string, prefix: boolean): string[] {
  // For generateName the trailing '-' is masked so "web-" is a valid prefix (maskTrailingDash).
  if (prefix && rule !== 'path' && value.length > 1 && value.endsWith('-')) value = value.slice(0, -1) + 'a'
  switch (rule) {
    case 'subdomain':
      return isDNS1123Subdomain(value)
    case 'label':
      return isDNS1123Label(value)
    case 'dns1035':
      return isDNS1035Label(value)
    case 'path':
      return isValidPathSegmentName(value, prefix)
  }
}
