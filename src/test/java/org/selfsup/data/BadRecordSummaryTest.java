package org.selfsup.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BadRecordSummaryTest {
  private static BadRecordSummary example() {
    Map<BadRecordKind, Long> skipped = new EnumMap<>(BadRecordKind.class);
    skipped.put(BadRecordKind.IMAGE_TOO_LARGE, 1L);
    skipped.put(BadRecordKind.LENGTH_CRC, 1L);
    skipped.put(BadRecordKind.DATA_CRC, 0L);
    return new BadRecordSummary(63, 61, skipped,
        List.of(new ShardCutShort("file:/d/test-00000-of-00001", 20, BadRecordKind.LENGTH_CRC, 4321)),
        List.of("corrupt length header of record 20 in file:/d/test-00000-of-00001 (...)"));
  }

  @Test
  void oneLineWithEveryCount() {
    BadRecordSummary s = example();
    assertEquals("records: 63 read, 61 used, 2 skipped (LENGTH_CRC=1, IMAGE_TOO_LARGE=1); 1 shard cut short:"
        + " test-00000-of-00001 at record 20 (LENGTH_CRC, 4321 bytes unread); e.g. corrupt length header of record 20"
        + " in file:/d/test-00000-of-00001 (...)", s.summaryLine());
    assertEquals(2, s.skippedTotal());
    assertTrue(s.addsUp());
    assertFalse(new BadRecordSummary(10, 9, Map.of(), List.of(), List.of()).addsUp());
    assertTrue(new BadRecordSummary(10, -1, Map.of(), List.of(), List.of()).addsUp());
    assertEquals("records: 10 read, 10 used, none skipped",
        new BadRecordSummary(10, 10, Map.of(), List.of(), List.of()).summaryLine());
  }

  @Test
  void jsonRoundTripAndMapForm() throws Exception {
    BadRecordSummary s = example();
    ObjectMapper json = new ObjectMapper();
    String text = json.writeValueAsString(s);
    BadRecordSummary back = json.readValue(text, BadRecordSummary.class);
    assertEquals(s.summaryLine(), back.summaryLine());
    assertEquals(s.shardsCutShort(), back.shardsCutShort());
    Map<String, Object> m = s.toMap();
    assertEquals(63L, m.get("recordsRead"));
    assertEquals(61L, m.get("recordsUsed"));
    assertEquals(Map.of("LENGTH_CRC", 1L, "IMAGE_TOO_LARGE", 1L), m.get("skipped"));
    // the map form is what Jackson writes, too
    assertEquals(text, json.writeValueAsString(m));
  }
}
