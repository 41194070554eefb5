package org.selfsup.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

class ResidentMemoryTest {
  @Test
  void readsVmRssInKibibytes() {
    String status = "Name:\tjava\nVmPeak:\t40845036 kB\nVmRSS:\t 24285076 kB\nRssAnon:\t24000000 kB\n";
    assertEquals(24285076L * 1024, ResidentMemory.parseVmRss(status));
    assertEquals(-1, ResidentMemory.parseVmRss("Name:\tjava\n"));
    assertEquals("24.9 GB", ResidentMemory.describe(24285076L * 1024));
    assertEquals("-", ResidentMemory.describe(-1));
  }

  @Test
  void thisJvmHoldsAtLeastItsTouchedHeap() {
    if (!Files.exists(Paths.get("/proc/self/status"))) {
      assertEquals(-1, ResidentMemory.bytes());
      return;
    }
    byte[] touched = new byte[64 << 20];
    for (int i = 0; i < touched.length; i += 4096) {
      touched[i] = 1;
    }
    long resident = ResidentMemory.bytes();
    assertTrue(resident >= touched.length, "resident " + resident + " below the 64 MB just written");
    assertTrue(resident < 64L << 30, "resident " + resident);
    assertEquals(1, touched[4096]);
  }
}
