package org.selfsup.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * This JVM's resident memory as the kernel counts it: heap and everything off it (ND4J's arrays and
 * workspaces, oneDNN, the allocator's arenas), which is what a container limit or the OOM killer sees.
 */
public final class ResidentMemory {
  private ResidentMemory() {}

  /** Resident bytes (VmRSS of /proc/self/status); -1 where there is no such file (not Linux). */
  public static long bytes() {
    try {
      return parseVmRss(new String(Files.readAllBytes(Paths.get("/proc/self/status")), StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The VmRSS line of a /proc/PID/status text, in bytes; -1 without one. */
  static long parseVmRss(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
        return Long.parseLong(parts[0]) * 1024L;
      }
    }
    return -1;
  }

  /** "4.5 GB", or "-" when unknown. */
  public static String describe(long bytes) {
    return bytes < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f GB", bytes / 1e9);
  }
}
