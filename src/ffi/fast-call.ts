// Calls into C through ffi-napi's own `ffi_call`, with what ffi-napi's ForeignFunction builds on
// every call built once per function instead. ffi-napi's proxy (lib/_foreign_function.js), per
// call: a result Buffer, an argument-list Buffer, and one `ref.alloc` per argument, each written
// with `writePointer`, which gives the argument's Buffer a finalizer (and a `string` argument a
// fresh C copy); then `ffi_call`, `deref()`, and, for errno, the same again around `_errno`.
// Here each function gets, once: its `ffi_cif` (ffi-napi's CIF, or CIF_var for a variadic function
// with the same fixed-argument count, so the calling convention is the one a C caller uses), one
// 8-byte slot per argument, a result slot, and the `void *args[]` pointing at the slots. A call
// writes the values into the slots (a Buffer's or a C string's address: `ref._writePointer`,
// which attaches nothing), calls `ffi_call`, and reads the result; errno is read at once when the
// result is -1, before any other JS, on the same thread. The native addon and the C functions
// called are ffi-napi's; only the JS around them changes.
import type {FfiModules} from './modules.js';

/** The outcome of one libc call: `ret` as the C function returned it; `errno` when ret is -1, else 0. */
export interface CallResult {
	ret: number;
	errno: number;
}

/** How one argument is passed, in ffi-napi's type names. */
export type ArgKind = 'int' | 'ulong' | 'long' | 'pointer' | 'string';
/** A C function's return type: both come back in a register, read from the result slot. */
export type ReturnKind = 'int' | 'long';

/** A bound C function: the arguments as ArgKind says, the result as libc reports it. */
export type FastCall = (...args: unknown[]) => CallResult;

export interface FastFfi {
	/**
	 * Binds the C function at `fn` (a Buffer holding its address, from ffi-napi's
	 * DynamicLibrary#get). With `fixed`, the function is variadic and the first `fixed` arguments
	 * are its fixed ones, exactly as ffi-napi's VariadicForeignFunction(fn, ret, args[0..fixed])(...rest).
	 */
	bind(fn: Buffer, ret: ReturnKind, args: readonly ArgKind[], fixed?: number): FastCall;
	/** Reads errno at the address `__errno_location` (given) returns, if that agrees with ffi-napi's getter. */
	useErrnoLocation(errnoLocation: Buffer): boolean;
}

const SLOT = 8; // every argument slot holds up to a 64-bit value or a pointer
const kindCode = {int: 0, ulong: 1, long: 2, pointer: 3, string: 4} as const;
const LONG_MIN = -(2n ** 63n);
const LONG_END = 2n ** 63n;
const ULONG_END = 2n ** 64n;

/**
 * Builds the fast path on ffi-napi (src/ffi/modules.ts): its bindings (ffi_call, _errno) and the
 * ref-napi instance it uses itself.
 */
export function fastFfi({ffi, bindings, ref}: FfiModules): FastFfi {
	if (typeof bindings.ffi_call !== 'function' || typeof ref._writePointer !== 'function') {
		throw new Error(
			'ffi-napi has no ffi_call or ref-napi no _writePointer: src/ffi/fast-call.ts was written ' +
				'for @2060.io/ffi-napi 4 and @2060.io/ref-napi 3; reinstall those (npm ci).',
		);
	}
	const ffiCall: (cif: Buffer, fn: Buffer, result: Buffer, args: Buffer) => void = bindings.ffi_call;
	const writePointer: (buf: Buffer, offset: number, ptr: Buffer | null) => void = ref._writePointer;
	const little = ref.endianness === 'LE';
	// Within a slot read as two 32-bit words: the index of the low and of the high one.
	const LO = little ? 0 : 1;
	const HI = 1 - LO;

	// errno as ffi-napi's ffi.errno() reads it: a call to the addon's `errno` getter, prepared once.
	const errnoCall = prepare(bindings.StaticFunctions._errno, 'int', []);
	const callErrno = (): number => {
		ffiCall(errnoCall.cif, errnoCall.fn, errnoCall.result, errnoCall.argv);
		return errnoCall.i32[errnoCall.resultWord]!;
	};
	let readErrno = callErrno;

	function prepare(fn: Buffer, ret: ReturnKind, args: readonly ArgKind[], fixed?: number) {
		const types = args.map((k) => ref.coerceType(k));
		const cif: Buffer =
			fixed === undefined ? ffi.CIF(ref.coerceType(ret), types) : ffi.CIF_var(ref.coerceType(ret), types, fixed);
		const n = args.length;
		// [argument slots][result slot][void *argv[n]], in one buffer whose memory never moves
		// (an ArrayBuffer's backing store is outside V8's heap once its address has been taken).
		const store = Buffer.alloc((2 * n + 1) * SLOT);
		const result = store.subarray(n * SLOT, (n + 1) * SLOT);
		const argv = store.subarray((n + 1) * SLOT);
		for (let i = 0; i < n; i++) writePointer(argv, i * SLOT, store.subarray(i * SLOT, (i + 1) * SLOT));
		const i32 = new Int32Array(store.buffer, store.byteOffset, store.length / 4);
		const u32 = new Uint32Array(store.buffer, store.byteOffset, store.length / 4);
		// ffi-napi reads an `int` result at the start of the result slot (ffi_arg-sized storage).
		return {cif, fn, store, result, argv, i32, u32, resultWord: 2 * n};
	}

	function bind(fn: Buffer, ret: ReturnKind, args: readonly ArgKind[], fixed?: number): FastCall {
		const p = prepare(fn, ret, args, fixed);
		const {cif, store, result, argv, i32, u32} = p;
		const n = args.length;
		const codes = args.map((k) => kindCode[k]);
		const longResult = ret === 'long';
		const r = p.resultWord;
		// The Buffers whose addresses are in the slots, held until ffi_call returns: the C copy of a
		// string has no other owner, and the caller's Buffer must outlive the call whatever V8 thinks.
		const keep: Array<Buffer | null> = new Array(n).fill(null);

		// A 64-bit integer into slot i, as ref-napi's writeInt64/writeUInt64 would: numbers are
		// truncated to an integer, bigints (and strings, as ffi-napi accepts) must fit the C type.
		const write64 = (i: number, v: unknown, unsigned: boolean): void => {
			if (typeof v === 'number') {
				const t = Math.trunc(v);
				u32[2 * i + LO] = t >>> 0;
				u32[2 * i + HI] = Math.floor(t / 4294967296) >>> 0;
				return;
			}
			const b = typeof v === 'bigint' ? v : typeof v === 'string' ? BigInt(v) : undefined;
			if (b === undefined) throw new TypeError(`argument ${i + 1}: a Number or BigInt is required for a 64-bit integer`);
			if (b < LONG_MIN || b >= (unsigned ? ULONG_END : LONG_END)) {
				throw new TypeError(`argument ${i + 1}: ${b} is out of range for a 64-bit integer`);
			}
			u32[2 * i + LO] = Number(BigInt.asUintN(32, b));
			u32[2 * i + HI] = Number(BigInt.asUintN(32, b >> 32n));
		};

		return (...values: unknown[]): CallResult => {
			if (values.length !== n) throw new TypeError(`Expected ${n} arguments, got ${values.length}`);
			for (let i = 0; i < n; i++) {
				const v = values[i];
				switch (codes[i]) {
					case 0: // int: Buffer's writeInt32, as ref-napi's int type (a RangeError when out of range)
						if (little) store.writeInt32LE(v as number, i * SLOT);
						else store.writeInt32BE(v as number, i * SLOT);
						break;
					case 1:
						write64(i, v, true);
						break;
					case 2:
						write64(i, v, false);
						break;
					case 3: // pointer: a Buffer's address, or NULL; anything else is a TypeError (ref-napi's)
						writePointer(store, i * SLOT, v as Buffer | null);
						keep[i] = v as Buffer | null;
						break;
					default: {
						// string: a NUL-terminated UTF-8 copy (ref-napi's allocCString); a Buffer as is; null → NULL
						const s =
							typeof v === 'string' ? Buffer.from(v + '\0', 'utf8') : v === null || v === undefined ? null : v;
						if (s !== null && !Buffer.isBuffer(s)) throw new TypeError(`argument ${i + 1}: a string is required`);
						writePointer(store, i * SLOT, s);
						keep[i] = s;
					}
				}
			}
			ffiCall(cif, fn, result, argv);
			const ret = longResult ? i32[r + HI]! * 4294967296 + u32[r + LO]! : i32[r]!;
			const errno = ret === -1 ? readErrno() : 0;
			for (let i = 0; i < n; i++) keep[i] = null;
			return {ret, errno};
		};
	}

	/**
	 * Reads errno from this thread's errno variable itself instead of calling the addon's getter:
	 * `errnoLocation` is libc's `__errno_location()` (glibc and musl), called once for its address;
	 * the main thread's errno stays there for the life of the process (and the binding is never
	 * used from another thread). Used only if values written there are what the addon's getter
	 * reads; returns whether it is now used.
	 */
	function useErrnoLocation(errnoLocation: Buffer): boolean {
		const at: Buffer = ffi.ForeignFunction(errnoLocation, 'pointer', [])();
		if (ref.isNull(at)) return false;
		const variable: Buffer = ref.reinterpret(at, 4, 0);
		if (variable.length !== 4 || variable.byteOffset % 4 !== 0) return false;
		const word = new Int32Array(variable.buffer, variable.byteOffset, 1);
		const saved = word[0]!;
		let same = true;
		for (const value of [0x5eed, 0x7e57]) {
			word[0] = value;
			if (callErrno() !== value) same = false;
		}
		word[0] = saved;
		if (same) readErrno = () => word[0]!;
		return same;
	}

	return {bind, useErrnoLocation};
}
