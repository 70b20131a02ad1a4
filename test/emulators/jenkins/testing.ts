/** Helpers for tests that talk to the emulator directly. */

/** The `Authorization` header of HTTP Basic authentication. */
export function basicAuth(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A Pipeline job's config.xml (`flow-definition` with an inline `CpsFlowDefinition` script) whose
 * string parameters are defined in `ParametersDefinitionProperty`, as Jenkins stores one.
 */
export function pipelineConfigXml(
  script: string,
  parameters: string[] = ['REPO_URL', 'COMMIT', 'BRANCH'],
): string {
  const definitions = parameters.map(
    (name) =>
      `<hudson.model.StringParameterDefinition><name>${xmlEscape(name)}</name><defaultValue></defaultValue><trim>false</trim></hudson.model.StringParameterDefinition>`,
  );
  const property =
    parameters.length === 0
      ? '<properties/>'
      : `<properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>${definitions.join('')}</parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>`;
  return `<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job">
  <description>built by codemonkeys</description>
  ${property}
  <definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps">
    <script>${xmlEscape(script)}</script>
    <sandbox>true</sandbox>
  </definition>
  <disabled>false</disabled>
</flow-definition>`;
}

/** A cloudbees-folder folder's config.xml. */
export const FOLDER_CONFIG_XML = `<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder">
  <properties/>
</com.cloudbees.hudson.plugins.folder.Folder>`;
