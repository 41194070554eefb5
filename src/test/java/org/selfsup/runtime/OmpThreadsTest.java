package org.selfsup.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** ND4J's forced 4 OpenMP threads on the thread that loads it, and the reset that undoes it. */
class OmpThreadsTest {
  @Test
  void theLoadingThreadGetsFourAndTheResetRestoresTheEnvironmentsCount() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-D")) {
        cmd.add(a);
      }
    }
    cmd.add("-Xmx1g");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(OmpThreadsProbe.class.getName());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // 3: neither ND4J's 4 nor any machine's likely core count, so each number says where it came from
    pb.environment().put("OMP_NUM_THREADS", "3");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    Matcher m = Pattern.compile("threads loading=(\\d+) other=(\\d+) reset=(\\d+)").matcher(out);
    assertTrue(m.find(), out);
    // when this fails with loading=3, ND4J no longer forces 4 and Nd4jSetup.resetOmpThreads can go
    assertEquals(4, Integer.parseInt(m.group(1)), "the thread that loaded ND4J: " + out);
    assertEquals(3, Integer.parseInt(m.group(2)), "a thread started later: " + out);
    assertEquals(3, Integer.parseInt(m.group(3)), "the loading thread after the reset: " + out);
  }
}
