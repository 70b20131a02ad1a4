import type { BuildResult } from './build.js';
import type { ItemKind } from './config-xml.js';
import { Folder, fullNameOf, type Item } from './items.js';

/** A build as tests inspect it. */
export interface BuildSnapshot {
  number: number;
  queueId: number;
  result: BuildResult | null;
  building: boolean;
  parameters: Record<string, string>;
  /** The whole console log so far. */
  log: string;
}

/** A folder or job as tests inspect it. */
export interface ItemSnapshot {
  /** `acme/widget`. */
  fullName: string;
  kind: ItemKind;
  configXml: string;
  /** Builds, oldest first (none for folders). */
  builds: BuildSnapshot[];
  nextBuildNumber: number | null;
}

/** A copy of an item's state for tests; later changes do not show in it. */
export function snapshotItem(item: Item): ItemSnapshot {
  if (item instanceof Folder) {
    return {
      fullName: fullNameOf(item),
      kind: 'folder',
      configXml: item.configXml,
      builds: [],
      nextBuildNumber: null,
    };
  }
  return {
    fullName: fullNameOf(item),
    kind: item.config.kind,
    configXml: item.configXml,
    nextBuildNumber: item.nextBuildNumber,
    builds: item.builds.map((build) => ({
      number: build.number,
      queueId: build.queueId,
      result: build.result,
      building: build.building,
      parameters: Object.fromEntries(build.parameters.map((parameter) => [parameter.name, parameter.value])),
      log: build.log().toString('utf8'),
    })),
  };
}
