package io.jmamba.runtime.backend.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * A loaded shared library and a way to bind its functions as method handles (FFM downcalls).
 *
 * @param location the path (or plain name) it was loaded from, for messages
 * @param lookup   its symbols
 */
public record NativeLibrary(String location, SymbolLookup lookup) {

    /**
     * Binds {@code symbol}. A missing symbol is an error that names the library, so that an old driver
     * without a newer entry point says which one it lacks.
     */
    public MethodHandle downcall(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment address = lookup.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(
                "symbol " + symbol + " not found in " + location));
        return Linker.nativeLinker().downcallHandle(address, descriptor, options);
    }

    /** Binds {@code symbol} when the library has it (an optional or newer entry point). */
    public Optional<MethodHandle> optionalDowncall(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        return lookup.find(symbol).map(a -> Linker.nativeLinker().downcallHandle(a, descriptor, options));
    }
}
