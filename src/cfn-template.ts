/**
 * CloudFormation templates as text: JSON, or YAML with the short-form intrinsics (`!Ref x`,
 * `!GetAtt a.b`, `!Sub [...]`) turned into their long forms. Shared by the CloudFormation
 * adapter (GetTemplate answers) and the blueprints (CDK's bootstrap template, read at synth
 * time), which may not import each other.
 */
import { parse as parseYaml, type Tags } from 'yaml';

/** The short-form intrinsics of CloudFormation YAML (`!Ref x`, `!GetAtt a.b`, `!Sub [...]`). */
const SHORT_FORMS: Readonly<Record<string, string>> = {
  Ref: 'Ref',
  Condition: 'Condition',
  ...Object.fromEntries(
    [
      'And',
      'Base64',
      'Cidr',
      'Contains',
      'EachMemberEquals',
      'EachMemberIn',
      'Equals',
      'FindInMap',
      'GetAtt',
      'GetAZs',
      'If',
      'ImportValue',
      'Join',
      'Length',
      'Not',
      'Or',
      'RefAll',
      'Select',
      'Split',
      'Sub',
      'ToJsonString',
      'Transform',
      'ValueOf',
      'ValueOfAll',
    ].map((name) => [name, `Fn::${name}`]),
  ),
};

const CFN_TAGS: Tags = Object.entries(SHORT_FORMS).flatMap(([name, key]) => [
  {
    tag: `!${name}`,
    // `!GetAtt Resource.Attribute` is the one scalar form that means a list.
    resolve: (value: string) => ({ [key]: name === 'GetAtt' ? splitGetAtt(value) : value }),
  },
  ...(['seq', 'map'] as const).map((collection) => ({
    tag: `!${name}`,
    collection,
    resolve: (node: { toJSON(): unknown }) => ({ [key]: node.toJSON() }),
  })),
]);

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

/** A template body (GetTemplate answers, template files): JSON, or YAML with short-form intrinsics. */
export function parseTemplate(body: string): unknown {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML flow mappings start with "{" too.
    }
  }
  return parseYaml(text, { customTags: CFN_TAGS });
}
