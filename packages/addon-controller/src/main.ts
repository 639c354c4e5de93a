// The addon-controller process: flags, JSON logs, metrics and health endpoints, leader election, SIGTERM.
// The helm and kustomize CLIs: --helm-binary / --kustomize-binary (env HELM_BINARY / KUSTOMIZE_BINARY;
// default: on PATH), their cache --tools-cache-dir (env ADDON_TOOLS_CACHE_DIR; default
// <tmpdir>/sveltos-addon-tools: the root filesystem is read-only, /tmp is an emptyDir) and --tools-timeout,
// how long one run may take without a timeout of its own (env ADDON_TOOLS_TIMEOUT; default 5m).
import { SVELTOS_NAMESPACE } from '@sveltos-ts/api';
import { parseDuration, runControllerMain } from '@sveltos-ts/runtime';
import { Option } from 'commander';
import { addAddonController } from './addon-controller.ts';

interface ToolFlags {
  helmBinary?: string;
  kustomizeBinary?: string;
  toolsCacheDir?: string;
  toolsTimeout?: number;
}

await runControllerMain({
  name: 'addon-controller',
  description: 'Deploys ClusterProfiles into the matching clusters (Sveltos)',
  defaultMetricsPort: 8081,
  defaultNamespace: SVELTOS_NAMESPACE,
  // the event-manager probes clusters; one writer of their readiness, or failures are counted twice
  managesClusterStatus: false,
  addFlags: (program) =>
    program
      .addOption(new Option('--helm-binary <path>', 'the helm CLI').env('HELM_BINARY'))
      .addOption(new Option('--kustomize-binary <path>', 'the kustomize CLI').env('KUSTOMIZE_BINARY'))
      .addOption(
        new Option('--tools-cache-dir <dir>', 'where charts and kustomizations are cached').env(
          'ADDON_TOOLS_CACHE_DIR',
        ),
      )
      .addOption(
        new Option('--tools-timeout <duration>', 'how long one helm or kustomize run may take')
          .argParser(parseDuration)
          .env('ADDON_TOOLS_TIMEOUT'),
      ),
  setup: (manager, { manageClusterStatus, workers, flags }) => {
    const tools = flags as ToolFlags;
    addAddonController(manager, {
      manageClusterStatus,
      workers,
      tools: {
        helmBinary: tools.helmBinary,
        kustomizeBinary: tools.kustomizeBinary,
        cacheDir: tools.toolsCacheDir,
        commandTimeoutMs: tools.toolsTimeout,
      },
    });
  },
});
