//! A pre-load check of ELF files: glibc's `dlopen` maps a truncated library's segments past the
//! end of the file and the process dies of `SIGBUS` on first touch, so the loader refuses such a
//! file before `dlopen` sees it. Other malformed files are left to `dlopen`, which rejects them.

/// For a 64-bit little-endian ELF file, checks that the program header table and every
/// `PT_LOAD` segment's file bytes lie inside `bytes`. Anything else passes unchecked.
pub(crate) fn check_elf_segments(bytes: &[u8]) -> Result<(), String> {
    const PT_LOAD: u32 = 1;
    let u16_at = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at =
        |at: usize| bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let u64_at =
        |at: usize| bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    // Magic, class ELFCLASS64, data ELFDATA2LSB.
    if bytes.len() < 64 || bytes[..4] != *b"\x7fELF" || bytes[4] != 2 || bytes[5] != 1 {
        return Ok(());
    }
    let len = bytes.len() as u64;
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return Err("header cut short".into());
    };
    let table_end = phoff.checked_add(u64::from(phentsize) * u64::from(phnum));
    if phentsize < 56 || table_end.is_none_or(|end| end > len) {
        return Err(format!("program headers end past the file's {len} bytes"));
    }
    for i in 0..u64::from(phnum) {
        let at = usize::try_from(phoff + i * u64::from(phentsize)).map_err(|e| e.to_string())?;
        let (Some(kind), Some(offset), Some(size)) = (u32_at(at), u64_at(at + 8), u64_at(at + 32))
        else {
            return Err("program header cut short".into());
        };
        if kind == PT_LOAD && offset.checked_add(size).is_none_or(|end| end > len) {
            return Err(format!("segment {i} ends past the file's {len} bytes"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(target_os = "linux", target_pointer_width = "64", target_endian = "little"))]
    fn truncated_elf_segments_are_found() {
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert_eq!(check_elf_segments(&exe), Ok(()));
        let err = check_elf_segments(&exe[..1000]).unwrap_err();
        assert!(err.contains("past the file's 1000 bytes"), "{err}");
        assert_eq!(check_elf_segments(b"not an elf file at all"), Ok(()));
        assert!(check_elf_segments(&exe[..64]).is_err());
    }
}
