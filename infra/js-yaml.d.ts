// js-yaml ships no types and @types/js-yaml is not installed; @pulumi/pulumi depends on it, and we use only `load`.
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
