package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.csv rows, and a run from before the data_wait_share column resumed by this version. */
class ProgressTest {
  @TempDir Path tmp;

  @Test
  void aResumedRunOfTheOldFormatGetsTheNewColumnAndKeepsItsRows() throws Exception {
    Path workdir = tmp.resolve("run");
    Files.createDirectories(workdir);
    Files.writeString(workdir.resolve("metrics.csv"), Progress.HEADER_WITHOUT_WAIT + "\n"
        + "2026-11-30T10:00:00Z,0.0000,0,0,NaN,0.2500,0,0,1.440000,0,0\n"
        + "2026-11-30T10:01:00Z,0.5000,8,250,1.300000,0.3500,0.01,100.00,1.350000,250,0\n"
        + "2026-11-30T10:02:00Z,1.0000,16,500,1.200000,0.4500,0.01,110.00,1.250000,250,0\n");
    Checkpoint.State state = new Checkpoint.State();
    state.imagesSeen = 250;
    state.steps = 8;
    state.epochsDone = 0.5;
    Progress progress = new Progress(new Configuration(), workdir.toString(), 2, 500, state);
    progress.dropRowsAfter(8); // resumed from the checkpoint of step 8: the row of step 16 goes
    state.imagesSeen = 500;
    state.steps = 16;
    state.epochsDone = 1.0;
    progress.chunkDone(state, 1.1, new PretextProbe.Result(1.15, 0.5), 0.01, 250, 10.0, 2.5, 250, 0);

    List<String> lines = Files.readAllLines(workdir.resolve("metrics.csv"));
    assertEquals(Progress.HEADER, lines.get(0));
    assertEquals(4, lines.size(), String.join("\n", lines));
    assertEquals("2026-11-30T10:00:00Z,0.0000,0,0,NaN,0.2500,0,0,1.440000,0,0,NaN", lines.get(1));
    assertEquals("2026-11-30T10:01:00Z,0.5000,8,250,1.300000,0.3500,0.01,100.00,1.350000,250,0,NaN", lines.get(2));
    String[] last = lines.get(3).split(",");
    assertEquals(Progress.HEADER.split(",").length, last.length);
    assertEquals("16", last[2]);
    assertEquals("25.00", last[7]); // 250 images in 10 s
    assertEquals("0.2500", last[11]); // waited 2.5 of the 10 s
    assertTrue(Files.exists(workdir.resolve("plots/learning_curves.png")));
  }
}
