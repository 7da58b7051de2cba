package io.jmamba.runtime.backend.opencl;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoaderSearchOrderTest {

    private static final Path CUDA = Path.of("/usr/local/cuda/lib64");
    private static final Path DISTRO = Path.of("/usr/lib/x86_64-linux-gnu");

    @Test
    void theDistributionsLoaderComesBeforeTheCudaToolkitsCopy() {
        List<Path> order = OpenClBackend.loaderSearchOrder(List.of(Path.of("/opt/ld"), CUDA, DISTRO, Path.of("/usr/lib")), null);
        assertTrue(order.indexOf(DISTRO) < order.indexOf(CUDA), order.toString());
        assertTrue(order.contains(Path.of("/opt/ld")), "LD_LIBRARY_PATH folders are still searched: " + order);
        assertEquals(order.size(), order.stream().distinct().count(), "each folder once: " + order);
    }

    @Test
    void anExplicitLibraryPathStillComesFirst() {
        List<Path> order = OpenClBackend.loaderSearchOrder(List.of(CUDA, DISTRO), "/my/cl:/other");
        assertEquals(List.of(Path.of("/my/cl"), Path.of("/other")), order.subList(0, 2));
        assertEquals(DISTRO, order.get(2));
    }
}
