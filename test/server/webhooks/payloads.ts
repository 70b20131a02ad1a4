import { createHmac } from 'node:crypto';
import type { Fleet, Product } from '../../../src/fleet/model.js';

/**
 * Webhook fixtures: payloads shaped as the senders document them, trimmed to what a receiver
 * might read plus a little around it (GitHub "Webhook events and payloads: push", Gitea's
 * "Webhooks" page, GitLab "Webhook events: Push events", the Jenkins Notification plugin's JSON).
 */

export const SECRET = 'whsec-7f3a9c2e41d8b6f0';
export const FLEET_ROOT = '/srv/fleet';

export const AFTER = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';
const BEFORE = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

/** A GitHub push (`X-GitHub-Event: push`) to `owner/name` on github.com. */
export function githubPush(owner: string, name: string, ref = 'refs/heads/main'): Record<string, unknown> {
  return {
    ref,
    before: BEFORE,
    after: AFTER,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${owner}/${name}/compare/6113728f27ae...0d1a26e67d8f`,
    commits: [
      {
        id: AFTER,
        tree_id: 'f9d2a07e9488b91af2641b26b9407fe22a451433',
        distinct: true,
        message: 'fix: keep the widget spinning',
        timestamp: '2026-11-26T12:00:00Z',
        url: `https://github.com/${owner}/${name}/commit/${AFTER}`,
        author: { name: 'Mona', email: 'mona@example.com', username: 'mona' },
      },
    ],
    repository: {
      id: 186853002,
      name,
      full_name: `${owner}/${name}`,
      private: false,
      html_url: `https://github.com/${owner}/${name}`,
      url: `https://api.github.com/repos/${owner}/${name}`,
      git_url: `git://github.com/${owner}/${name}.git`,
      ssh_url: `git@github.com:${owner}/${name}.git`,
      clone_url: `https://github.com/${owner}/${name}.git`,
      default_branch: 'main',
    },
    pusher: { name: 'mona', email: 'mona@example.com' },
    sender: { login: 'mona', id: 21031067 },
  };
}

/** GitHub's `ping`, sent when a hook is created. */
export function githubPing(): Record<string, unknown> {
  return { zen: 'Keep it logically awesome.', hook_id: 30, hook: { type: 'Repository', active: true } };
}

/** A Gitea push (`X-Gitea-Event: push`) to `owner/name` on gitea.example.com. */
export function giteaPush(owner: string, name: string): Record<string, unknown> {
  return {
    ref: 'refs/heads/develop',
    before: BEFORE,
    after: AFTER,
    compare_url: `https://gitea.example.com/${owner}/${name}/compare/${BEFORE}...${AFTER}`,
    commits: [
      {
        id: AFTER,
        message: 'Webhooks Yay!',
        url: `https://gitea.example.com/${owner}/${name}/commit/${AFTER}`,
      },
    ],
    repository: {
      id: 140,
      owner: { id: 1, login: owner, username: owner },
      name,
      full_name: `${owner}/${name}`,
      private: false,
      html_url: `https://gitea.example.com/${owner}/${name}`,
      ssh_url: `git@gitea.example.com:${owner}/${name}.git`,
      clone_url: `https://gitea.example.com/${owner}/${name}.git`,
      default_branch: 'main',
    },
    pusher: { id: 1, login: 'gitea', username: 'gitea' },
    sender: { id: 1, login: 'gitea', username: 'gitea' },
  };
}

/** A GitLab push (`X-Gitlab-Event: Push Hook`) to `group/name` on gitlab.example.com. */
export function gitlabPush(group: string, name: string, ref = 'refs/heads/main'): Record<string, unknown> {
  const web = `https://gitlab.example.com/${group}/${name}`;
  const ssh = `git@gitlab.example.com:${group}/${name}.git`;
  return {
    object_kind: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
    event_name: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
    before: BEFORE,
    after: AFTER,
    ref,
    checkout_sha: AFTER,
    user_id: 4,
    user_name: 'John Smith',
    user_username: 'jsmith',
    project_id: 15,
    project: {
      id: 15,
      name,
      web_url: web,
      git_ssh_url: ssh,
      git_http_url: `${web}.git`,
      namespace: group,
      path_with_namespace: `${group}/${name}`,
      default_branch: 'main',
      url: ssh,
      ssh_url: ssh,
      http_url: `${web}.git`,
    },
    commits: [{ id: AFTER, message: 'Update Catalan translation', url: `${web}/-/commit/${AFTER}` }],
    total_commits_count: 1,
    repository: {
      name,
      url: ssh,
      homepage: web,
      git_http_url: `${web}.git`,
      git_ssh_url: ssh,
      visibility_level: 0,
    },
  };
}

/** A Jenkins Notification plugin message (JSON format) about build `number` of the job at `jobPath`. */
export function jenkinsNotification(jobPath: string, phase: string, number = 18): Record<string, unknown> {
  const name = jobPath.split('/').filter(Boolean).at(-1);
  return {
    name,
    display_name: name,
    url: jobPath,
    build: {
      full_url: `https://jenkins.example.com/${jobPath}${number}/`,
      number,
      queue_id: 734,
      phase,
      ...(phase === 'COMPLETED' || phase === 'FINALIZED' ? { status: 'SUCCESS' } : {}),
      url: `${jobPath}${number}/`,
      scm: { url: 'https://github.com/Acme/Widget.git', branch: 'origin/main', commit: AFTER },
      parameters: { COMMIT: AFTER },
      log: '',
      artifacts: {},
    },
  };
}

/** The hex HMAC-SHA256 of a body, as GitHub and Gitea sign. */
export function hmacHex(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Headers of a GitHub delivery of `body`, signed with `secret`. */
export function githubHeaders(body: string, event: string, delivery: string, secret = SECRET) {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-github-hook-id': '292430182',
    'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
  };
}

/** Headers of a Gitea delivery of `body`, signed with `secret`. */
export function giteaHeaders(body: string, event: string, delivery: string, secret = SECRET) {
  return {
    'content-type': 'application/json',
    'x-gitea-event': event,
    'x-gitea-delivery': delivery,
    'x-gitea-signature': hmacHex(secret, body),
  };
}

/** Headers of a GitLab delivery carrying `token`. */
export function gitlabHeaders(event: string, uuid: string, token = SECRET) {
  return {
    'content-type': 'application/json',
    'x-gitlab-event': event,
    'x-gitlab-event-uuid': uuid,
    'x-gitlab-token': token,
  };
}

function product(id: string, url: string): Product {
  const [org = '', name = ''] = id.split('/');
  return {
    id,
    file: `products/${name}.yaml`,
    manifest: {
      apiVersion: 'codemonkeys.dev/v1',
      kind: 'Product',
      metadata: { name, org },
      spec: { repo: { url } },
    },
  };
}

/**
 * A fleet at FLEET_ROOT whose products live on GitHub (two products in one repository, spelt
 * two ways), GitLab, Gitea and this machine; its Jenkins jobs are under the folder `fleet`.
 */
export function testFleet(): Fleet {
  const products = [
    product('acme/widget', 'https://github.com/Acme/Widget.git'),
    product('acme/widget-site', 'git@github.com:Acme/Widget'),
    product('acme/gadget', 'https://gitlab.example.com/acme/gadget.git'),
    product('acme/gizmo', 'ssh://git@gitea.example.com:2222/acme/gizmo.git'),
    product('acme/local', '../repos/local'),
  ];
  return {
    source: FLEET_ROOT,
    revision: null,
    dirty: false,
    fleet: {
      file: 'fleet.yaml',
      manifest: {
        apiVersion: 'codemonkeys.dev/v1',
        kind: 'Fleet',
        metadata: { name: 'acme' },
        spec: {
          orgs: [{ name: 'acme' }],
          ci: { jenkins: { url: 'https://jenkins.example.com', folder: 'fleet' } },
        },
      },
    },
    constitution: {
      file: 'constitution.yaml',
      manifest: {
        apiVersion: 'codemonkeys.dev/v1',
        kind: 'Constitution',
        metadata: { name: 'acme' },
        spec: {},
      },
    },
    products: new Map(products.map((entry) => [entry.id, entry])),
  };
}

/** The fleet repo's own addresses, as the daemon would pass them. */
export const FLEET_REPO = ['git@github.com:Acme/fleet.git', FLEET_ROOT];
