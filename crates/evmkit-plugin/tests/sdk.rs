//! The SDK against the mock host: `Ctx` round-trips every host function, and the trampolines
//! map results, errors, actions and panics to the ABI's codes.

use evmkit_plugin::testing::{MockHost, MockLog, Registered, Registration, register};
use evmkit_plugin::{
    Action, Ctx, Error, HookSpec, OpcodeSpec, PrecompileExit, PrecompileSpec, Registrar, action,
    point, status, word_from_u64, word_to_u64,
};

#[track_caller]
fn only(init: evmkit_plugin::InitFn) -> Registered {
    let mut registered = register(init).expect("init succeeds");
    assert_eq!(registered.len(), 1);
    registered.remove(0)
}

#[test]
fn ctx_getters_read_the_host() {
    let mut host = MockHost::new();
    host.point = point::OPCODE_BEFORE;
    host.pc = 7;
    host.opcode = 0x01;
    host.depth = 3;
    host.gas_left = 99;
    host.fork = 18;
    host.is_static = true;
    host.address = [1; 20];
    host.caller = [2; 20];
    host.value = word_from_u64(5);
    host.with_ctx(|ctx| {
        assert_eq!(ctx.point(), point::OPCODE_BEFORE);
        assert_eq!((ctx.pc(), ctx.opcode(), ctx.depth()), (7, 0x01, 3));
        assert_eq!((ctx.gas_left(), ctx.fork(), ctx.is_static()), (99, 18, true));
        assert_eq!(ctx.address(), Ok([1; 20]));
        assert_eq!(ctx.caller(), Ok([2; 20]));
        assert_eq!(ctx.value(), Ok(word_from_u64(5)));
    });
}

#[test]
fn ctx_stack_round_trips() {
    let mut host = MockHost::new();
    host.with_ctx(|ctx| {
        assert_eq!(ctx.pop(), Err(Error::Stack));
        ctx.push(&word_from_u64(1)).unwrap();
        ctx.push(&word_from_u64(2)).unwrap();
        assert_eq!(ctx.stack_len(), 2);
        assert_eq!(ctx.peek(0), Ok(word_from_u64(2)));
        assert_eq!(ctx.peek(1), Ok(word_from_u64(1)));
        assert_eq!(ctx.peek(2), Err(Error::Stack));
        ctx.set_stack(1, &word_from_u64(9)).unwrap();
        assert_eq!(ctx.pop(), Ok(word_from_u64(2)));
        assert_eq!(ctx.pop(), Ok(word_from_u64(9)));
        for _ in 0..1024 {
            ctx.push(&[0; 32]).unwrap();
        }
        assert_eq!(ctx.push(&[0; 32]), Err(Error::Stack));
    });
}

#[test]
fn ctx_memory_and_input_round_trip_zero_filled() {
    let mut host = MockHost::new();
    host.input = vec![1, 2, 3];
    host.with_ctx(|ctx| {
        assert_eq!(ctx.memory_len(), 0);
        ctx.memory_write(2, &[0xaa, 0xbb]).unwrap();
        assert_eq!(ctx.memory_len(), 32);
        assert_eq!(ctx.memory_read(1, 4), Ok(vec![0, 0xaa, 0xbb, 0]));
        assert_eq!(ctx.memory_read(100, 2), Ok(vec![0, 0]));
        assert_eq!(ctx.input_len(), 3);
        assert_eq!(ctx.input(), Ok(vec![1, 2, 3]));
        let mut buf = [9; 4];
        ctx.input_read(2, &mut buf).unwrap();
        assert_eq!(buf, [3, 0, 0, 0]);
        ctx.set_output(b"out").unwrap();
    });
    assert_eq!(host.output.as_deref(), Some(&b"out"[..]));
}

#[test]
fn ctx_state_gas_and_logs() {
    let mut host = MockHost::new();
    host.address = [7; 20];
    host.gas_left = 100;
    host.balances.insert([3; 20], word_from_u64(42));
    host.with_ctx(|ctx| {
        let key = word_from_u64(1);
        assert_eq!(ctx.sload(&key), Ok([0; 32]));
        ctx.sstore(&key, &word_from_u64(2)).unwrap();
        assert_eq!(ctx.sload(&key), Ok(word_from_u64(2)));
        assert_eq!(ctx.balance(&[3; 20]), Ok(word_from_u64(42)));
        ctx.emit_log(&[key], &[1, 2]).unwrap();
        ctx.emit_log(&[], &[]).unwrap();
        assert_eq!(ctx.emit_log(&[key; 5], &[]), Err(Error::Invalid));
        ctx.charge_gas(60).unwrap();
        assert_eq!(ctx.charge_gas(41), Err(Error::OutOfGas));
        assert_eq!(ctx.gas_left(), 40);
        ctx.set_gas_left(1000).unwrap();
        assert_eq!(ctx.gas_left(), 1000);
    });
    assert_eq!(
        host.logs,
        [
            MockLog { address: [7; 20], topics: vec![word_from_u64(1)], data: vec![1, 2] },
            MockLog { address: [7; 20], topics: vec![], data: vec![] },
        ]
    );
}

#[test]
fn static_context_refuses_writes() {
    let mut host = MockHost::new();
    host.is_static = true;
    host.with_ctx(|ctx| {
        assert_eq!(ctx.sstore(&[0; 32], &[1; 32]), Err(Error::Refused));
        assert_eq!(ctx.emit_log(&[], b"x"), Err(Error::Refused));
    });
    assert!(host.storage.is_empty() && host.logs.is_empty());
}

fn add_one(ctx: &mut Ctx<'_>) -> Result<(), Error> {
    let x = word_to_u64(&ctx.pop()?).ok_or(Error::Failed)?;
    ctx.push(&word_from_u64(x + 1))
}

fn add_one_init(registrar: &mut Registrar<'_>) -> Result<(), Error> {
    let spec = OpcodeSpec {
        opcode: 0xef,
        name: c"ADD_ONE",
        inputs: 1,
        outputs: 1,
        static_gas: 3,
        since_fork: 4,
        allow_override: true,
    };
    registrar.opcode(spec, add_one)
}

#[test]
fn opcode_trampoline_round_trips_values_and_errors() {
    let op = only(add_one_init);
    assert_eq!(
        op.registration,
        Registration::Opcode {
            opcode: 0xef,
            name: "ADD_ONE".into(),
            inputs: 1,
            outputs: 1,
            static_gas: 3,
            since_fork: 4,
            allow_override: true,
        }
    );
    let mut host = MockHost::new();
    host.stack.push(word_from_u64(41));
    assert_eq!(host.call(&op), status::OK);
    assert_eq!(host.stack, [word_from_u64(42)]);
    host.stack = vec![[0xff; 32]];
    assert_eq!(host.call(&op), status::ERR_FAILED);
    host.stack.clear();
    assert_eq!(host.call(&op), status::ERR_STACK);
}

fn boom_opcode(_: &mut Ctx<'_>) -> Result<(), Error> {
    panic!("opcode callback panics on purpose");
}

fn boom_precompile(_: &mut Ctx<'_>) -> Result<PrecompileExit, Error> {
    panic!("precompile callback panics on purpose");
}

fn boom_hook(_: &mut Ctx<'_>) -> Result<Action, Error> {
    panic!("hook callback panics on purpose");
}

#[test]
fn a_panic_in_every_callback_kind_is_err_panic_and_the_process_survives() {
    let registered = register(|r| {
        let spec = OpcodeSpec {
            opcode: 0x0c,
            name: c"BOOM",
            inputs: 0,
            outputs: 0,
            static_gas: 0,
            since_fork: 0,
            allow_override: false,
        };
        r.opcode(spec, boom_opcode)?;
        let spec = PrecompileSpec {
            address: [9; 20],
            since_fork: 0,
            stateful: false,
            replace_standard: false,
        };
        r.precompile(spec, boom_precompile)?;
        r.hook(HookSpec { point: point::CALL_ENTER, priority: 0, opcodes: None }, boom_hook)
    })
    .unwrap();
    let mut host = MockHost::new();
    for entry in &registered {
        assert_eq!(host.call(entry), status::ERR_PANIC);
        assert_eq!(host.call(entry), status::ERR_PANIC, "a second call still returns");
    }
}

#[test]
fn a_panic_or_error_in_init_is_reported() {
    assert_eq!(register(|_| panic!("init panics on purpose")).unwrap_err(), status::ERR_PANIC);
    assert_eq!(register(|_| Err(Error::Refused)).unwrap_err(), status::ERR_REFUSED);
    assert!(register(|_| Ok(())).unwrap().is_empty());
}

fn echo(ctx: &mut Ctx<'_>) -> Result<PrecompileExit, Error> {
    let input = ctx.input()?;
    ctx.charge_gas(10)?;
    ctx.set_output(&input)?;
    Ok(if input.first() == Some(&0) { PrecompileExit::Revert } else { PrecompileExit::Return })
}

#[test]
fn precompile_trampoline_maps_return_revert_and_out_of_gas() {
    let pc = only(|r| {
        let spec = PrecompileSpec {
            address: [0xaa; 20],
            since_fork: 1,
            stateful: true,
            replace_standard: true,
        };
        r.precompile(spec, echo)
    });
    assert_eq!(
        pc.registration,
        Registration::Precompile {
            address: [0xaa; 20],
            since_fork: 1,
            stateful: true,
            replace_standard: true
        }
    );
    let mut host = MockHost::new();
    host.input = vec![1, 2];
    assert_eq!(host.call(&pc), status::OK);
    assert_eq!(host.output.as_deref(), Some(&[1, 2][..]));
    host.input = vec![0, 5];
    assert_eq!(host.call(&pc), status::REVERT);
    host.gas_left = 9;
    assert_eq!(host.call(&pc), status::ERR_OUT_OF_GAS);
}

fn hook_by_pc(ctx: &mut Ctx<'_>) -> Result<Action, Error> {
    Ok(match ctx.pc() {
        0 => Action::Continue,
        1 => Action::Skip,
        2 => Action::Abort(0xdead),
        3 => Action::Modify,
        4 => Action::Replace,
        5 => Action::ReplaceRevert,
        _ => return Err(Error::Unsupported),
    })
}

#[test]
fn hook_trampoline_maps_actions_and_abort_sets_the_code() {
    let hook = only(|r| {
        r.hook(
            HookSpec { point: point::OPCODE_AFTER, priority: -3, opcodes: Some(&[1, 2]) },
            hook_by_pc,
        )
    });
    let mut filter = [0; 32];
    filter[0] = 0b110;
    assert_eq!(
        hook.registration,
        Registration::Hook { point: point::OPCODE_AFTER, priority: -3, filter: Some(filter) }
    );
    let mut host = MockHost::new();
    let expected = [
        action::CONTINUE,
        action::SKIP,
        action::ABORT,
        action::MODIFY,
        action::REPLACE,
        action::REPLACE_REVERT,
        status::ERR_UNSUPPORTED,
    ];
    for (pc, code) in expected.into_iter().enumerate() {
        host.pc = pc as u64;
        assert_eq!(host.call(&hook), code, "pc {pc}");
        let abort = (pc == 2).then_some(0xdead);
        assert_eq!(host.abort_code, abort, "pc {pc}");
        host.abort_code = None;
    }
}

#[test]
fn unfiltered_hook_registers_no_filter() {
    let hook = only(|r| {
        r.hook(HookSpec { point: point::OPCODE_BEFORE, priority: 0, opcodes: None }, hook_by_pc)
    });
    assert_eq!(
        hook.registration,
        Registration::Hook { point: point::OPCODE_BEFORE, priority: 0, filter: None }
    );
}

#[test]
fn ctx_event_words_come_from_the_host() {
    let mut host = MockHost::new();
    host.event = vec![evmkit_plugin::word_from_u64(5), evmkit_plugin::word_from_u64(6)];
    host.with_ctx(|ctx| {
        assert_eq!(ctx.event_word(1), Ok(evmkit_plugin::word_from_u64(6)));
        assert_eq!(ctx.event_word(2), Err(evmkit_plugin::Error::Invalid));
    });
}
