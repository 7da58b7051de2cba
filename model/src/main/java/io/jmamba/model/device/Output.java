package io.jmamba.model.device;

/** What a forward graph hands back to the host. */
enum Output {
    /** Logits at every position: prefill for {@code forward(ids)}. */
    ALL_LOGITS,
    /** Logits at each sequence's last position: prefill before generation, decode steps for sampling. */
    LAST_LOGITS,
    /**
     * The argmax token of each sequence's last position, computed on the device and written over the
     * ids the step read, so the next greedy step starts from them without a copy from the host.
     */
    GREEDY_IDS
}
