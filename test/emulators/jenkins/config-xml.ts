/**
 * What the emulator reads from an item's config.xml (the XStream form Jenkins stores and serves
 * at `<item>/config.xml`). Lenient, regex-based: enough for the documents our generator writes
 * and the usual hand-written ones, not a general XML parser.
 */

export type ItemKind = 'folder' | 'pipeline' | 'freestyle';

/** One `hudson.model.*ParameterDefinition` of `ParametersDefinitionProperty`. */
export interface ParameterDefinition {
  /** The XStream class, e.g. `hudson.model.StringParameterDefinition`. */
  className: string;
  name: string;
  defaultValue: string;
  description: string;
}

/** What the emulator knows of an item from its config.xml. */
export interface ParsedConfig {
  kind: ItemKind;
  rootElement: string;
  description: string;
  disabled: boolean;
  parameters: ParameterDefinition[];
  /** The inline Jenkinsfile of a `CpsFlowDefinition`; undefined for other definitions. */
  script?: string;
  /** The `<definition class=…>` of a Pipeline job. */
  definitionClass?: string;
  concurrentBuilds: boolean;
  /** Notification plugin endpoints (`HudsonNotificationProperty`) with JSON format over HTTP. */
  notifyUrls: string[];
}

const ROOTS: Record<string, ItemKind> = {
  'com.cloudbees.hudson.plugins.folder.Folder': 'folder',
  'flow-definition': 'pipeline',
  'org.jenkinsci.plugins.workflow.job.WorkflowJob': 'pipeline',
  project: 'freestyle',
};

/** Parses config.xml, or says why Jenkins would refuse it (it answers 500 for unreadable XML). */
export function parseConfig(xml: string): ParsedConfig | { error: string } {
  const problem = wellFormedProblem(xml);
  if (problem) return { error: `Failed to persist config.xml: ${problem}` };
  const root = /^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<([\w.:-]+)/.exec(xml)?.[1];
  const kind = root ? ROOTS[root] : undefined;
  if (!root || !kind)
    return { error: `Unable to read config.xml: no item type for root element <${root ?? ''}>` };
  const definition = /<definition\s+class="([^"]+)"[^>]*>([\s\S]*?)<\/definition>/.exec(xml);
  const script = definition ? /<script>([\s\S]*?)<\/script>/.exec(definition[2] ?? '')?.[1] : undefined;
  const config: ParsedConfig = {
    kind,
    rootElement: root,
    description: textOf(/<description>([\s\S]*?)<\/description>/.exec(xml)?.[1]),
    disabled: /<disabled>\s*true\s*<\/disabled>/.test(xml),
    parameters: parameterDefinitions(xml),
    concurrentBuilds:
      !/<org\.jenkinsci\.plugins\.workflow\.job\.properties\.DisableConcurrentBuildsJobProperty\b/.test(xml),
    notifyUrls: notificationEndpoints(xml),
  };
  if (definition?.[1]) config.definitionClass = definition[1];
  if (script !== undefined && definition?.[1] === 'org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition') {
    config.script = textOf(script);
  }
  return config;
}

function parameterDefinitions(xml: string): ParameterDefinition[] {
  const block = /<parameterDefinitions>([\s\S]*?)<\/parameterDefinitions>/.exec(xml)?.[1] ?? '';
  const found: ParameterDefinition[] = [];
  const element = /<([\w.$]+ParameterDefinition)(?:\s[^>]*)?>([\s\S]*?)<\/\1>/g;
  for (const match of block.matchAll(element)) {
    const className = match[1] ?? '';
    const body = match[2] ?? '';
    const name = textOf(/<name>([\s\S]*?)<\/name>/.exec(body)?.[1]);
    let defaultValue = textOf(/<defaultValue>([\s\S]*?)<\/defaultValue>/.exec(body)?.[1]);
    if (className.endsWith('ChoiceParameterDefinition')) {
      defaultValue = textOf(/<string>([\s\S]*?)<\/string>/.exec(body)?.[1]);
    }
    if (className.endsWith('BooleanParameterDefinition') && defaultValue === '') defaultValue = 'false';
    const description = textOf(/<description>([\s\S]*?)<\/description>/.exec(body)?.[1]);
    found.push({ className, name, defaultValue, description });
  }
  return found;
}

/** jenkinsci/notification-plugin: `HudsonNotificationProperty` → `endpoints` → `Endpoint`. */
function notificationEndpoints(xml: string): string[] {
  const block =
    /<com\.tikal\.hudson\.plugins\.notification\.HudsonNotificationProperty\b[\s\S]*?<\/com\.tikal\.hudson\.plugins\.notification\.HudsonNotificationProperty>/.exec(
      xml,
    )?.[0];
  if (!block) return [];
  const urls: string[] = [];
  const endpoint =
    /<com\.tikal\.hudson\.plugins\.notification\.Endpoint>([\s\S]*?)<\/com\.tikal\.hudson\.plugins\.notification\.Endpoint>/g;
  for (const match of block.matchAll(endpoint)) {
    const body = match[1] ?? '';
    const format = textOf(/<format>([\s\S]*?)<\/format>/.exec(body)?.[1]) || 'JSON';
    const protocol = textOf(/<protocol>([\s\S]*?)<\/protocol>/.exec(body)?.[1]) || 'HTTP';
    const url = textOf(
      (/<urlOrId>([\s\S]*?)<\/urlOrId>/.exec(body) ?? /<url>([\s\S]*?)<\/url>/.exec(body))?.[1],
    );
    if (url && format === 'JSON' && protocol === 'HTTP') urls.push(url);
  }
  return urls;
}

/** Element text: CDATA kept verbatim, the five entities and numeric references decoded. */
export function textOf(raw: string | undefined): string {
  if (raw === undefined) return '';
  return raw.replace(
    /<!\[CDATA\[([\s\S]*?)\]\]>|&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi,
    (_all, cdata, entity) => {
      if (cdata !== undefined) return cdata as string;
      const name = String(entity).toLowerCase();
      if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
      return ENTITIES[name] ?? '';
    },
  );
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Tags must nest; Jenkins' XStream/SAX load would reject the document otherwise. */
function wellFormedProblem(xml: string): string | undefined {
  const stack: string[] = [];
  const token = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([\w.:$-]+)[^>]*?(\/?)>/g;
  let roots = 0;
  for (const match of xml.matchAll(token)) {
    const [, closing, name, selfClosing] = match;
    if (!name) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) return `element <${open ?? ''}> closed by </${name}>`;
      continue;
    }
    if (stack.length === 0) roots++;
    if (!selfClosing) stack.push(name);
  }
  if (roots !== 1) return roots === 0 ? 'no root element' : 'more than one root element';
  if (stack.length > 0) return `element <${stack[stack.length - 1]}> is not closed`;
  return undefined;
}
