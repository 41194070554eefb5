package org.selfsup.runtime;

import com.esotericsoftware.kryo.Kryo;
import org.nd4j.kryo.Nd4jRegistrator;

/**
 * ND4J's Kryo registrations, plus {@link Nd4jSetup#configure()} in every JVM that creates a
 * Kryo instance: Spark does that on each executor before it runs any task, so every executor
 * turns DL4J's oneDNN helpers on and logs it, even one that only trains on minibatches
 * built elsewhere.
 */
public class SelfsupKryoRegistrator extends Nd4jRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    Nd4jSetup.configure();
    super.registerClasses(kryo);
  }
}
