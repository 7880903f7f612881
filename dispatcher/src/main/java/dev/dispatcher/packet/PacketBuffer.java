package dev.dispatcher.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A window onto one frame's bytes, backed by a {@link MemorySegment} that may wrap a heap array
 * or off-heap memory (for example a slot of a memory-mapped packet ring). Re-pointing the window
 * with {@link #wrap} allocates nothing, so one instance serves every frame of a thread.
 *
 * <p>All multi-byte accessors are big-endian (network order) and return unsigned values widened
 * to {@code int} or {@code long}. Indexes are relative to the start of the window; the caller
 * (a flyweight) checks them against {@link #length()} before reading.
 */
public final class PacketBuffer {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MemorySegment segment;
    private long base;
    private int length;

    public PacketBuffer() {
        this.segment = MemorySegment.NULL;
    }

    /** A buffer over a whole heap array, window initially covering all of it. */
    public static PacketBuffer ofArray(byte[] array) {
        PacketBuffer buffer = new PacketBuffer();
        buffer.wrap(MemorySegment.ofArray(array), 0, array.length);
        return buffer;
    }

    /** Points the window at {@code length} bytes of {@code segment} starting at {@code offset}. */
    public PacketBuffer wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.base = offset;
        this.length = length;
        return this;
    }

    /** Shrinks or grows the window within its segment (for example after building a frame). */
    public void length(int length) {
        this.length = length;
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return (int) Math.min(Integer.MAX_VALUE, segment.byteSize() - base);
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return base;
    }

    public int getU8(int index) {
        return segment.get(ValueLayout.JAVA_BYTE, base + index) & 0xFF;
    }

    public int getU16(int index) {
        return segment.get(U16, base + index) & 0xFFFF;
    }

    public int getInt(int index) {
        return segment.get(U32, base + index);
    }

    public long getU32(int index) {
        return segment.get(U32, base + index) & 0xFFFF_FFFFL;
    }

    public long getLong(int index) {
        return segment.get(U64, base + index);
    }

    /** A 48-bit value such as a MAC address, as the low 48 bits of a {@code long}. */
    public long getU48(int index) {
        return ((long) getU16(index) << 32) | getU32(index + 2);
    }

    public void putU8(int index, int value) {
        segment.set(ValueLayout.JAVA_BYTE, base + index, (byte) value);
    }

    public void putU16(int index, int value) {
        segment.set(U16, base + index, (short) value);
    }

    public void putInt(int index, int value) {
        segment.set(U32, base + index, value);
    }

    public void putLong(int index, long value) {
        segment.set(U64, base + index, value);
    }

    public void putU48(int index, long value) {
        putU16(index, (int) (value >>> 32));
        putInt(index + 2, (int) value);
    }

    /** Copies the whole window of {@code source} to the start of this buffer and sets the length. */
    public void copyFrom(PacketBuffer source) {
        MemorySegment.copy(source.segment, source.base, segment, base, source.length);
        length = source.length;
    }

    /** Copies this window into {@code target} at {@code targetOffset} (control plane and tests). */
    public void copyTo(byte[] target, int targetOffset) {
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, base, target, targetOffset, length);
    }

    /** A fresh copy of the window's bytes; allocates, so never on the hot path. */
    public byte[] toByteArray() {
        byte[] bytes = new byte[length];
        copyTo(bytes, 0);
        return bytes;
    }
}
