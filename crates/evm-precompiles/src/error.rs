//! The precompile error type: every variant makes the caller lose all gas given to the call.

/// A failed precompile run: the caller loses all gas it gave the precompile.
///
/// Variants name the rule the input broke so tests and tracers can tell failures apart; the EVM
/// treats them all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrecompileError {
    /// Not enough gas.
    #[error("out of gas")]
    OutOfGas,
    /// MODEXP base, exponent or modulus length above 1024 bytes (EIP-7823, from Osaka).
    #[error("modexp operand length above 1024 bytes")]
    ModexpLengthTooLarge,
    /// BN254 coordinate not below the field modulus.
    #[error("bn254 field element not below the modulus")]
    Bn254FieldElementTooLarge,
    /// BN254 point not on the curve.
    #[error("bn254 point not on the curve")]
    Bn254PointNotOnCurve,
    /// BN254 G2 point outside the prime-order subgroup.
    #[error("bn254 g2 point not in the subgroup")]
    Bn254PointNotInSubgroup,
    /// BN254 pairing input length not a multiple of 192.
    #[error("bn254 pairing input length not a multiple of 192")]
    Bn254PairingLength,
    /// BLAKE2 F input not exactly 213 bytes.
    #[error("blake2f input length is not 213 bytes")]
    Blake2fLength,
    /// BLAKE2 F final-block flag neither 0 nor 1.
    #[error("blake2f final block flag is not 0 or 1")]
    Blake2fFinalFlag,
    /// Point evaluation input not exactly 192 bytes.
    #[error("point evaluation input length is not 192 bytes")]
    KzgInputLength,
    /// Versioned hash does not match the commitment.
    #[error("versioned hash does not match the commitment")]
    KzgVersionedHashMismatch,
    /// Evaluation point or claimed value not below the BLS scalar field modulus.
    #[error("point evaluation field element not below the modulus")]
    KzgFieldElementTooLarge,
    /// Commitment or proof is not a valid compressed G1 point in the subgroup.
    #[error("kzg commitment or proof is not a valid g1 point")]
    KzgInvalidPoint,
    /// The pairing check rejected the proof.
    #[error("kzg proof does not verify")]
    KzgProofMismatch,
    /// BLS12-381 input of the wrong length.
    #[error("bls12-381 input has the wrong length")]
    BlsInputLength,
    /// BLS12-381 field element with non-zero top 16 bytes of padding.
    #[error("bls12-381 field element padding is not zero")]
    BlsFieldPadding,
    /// BLS12-381 field element not below the modulus.
    #[error("bls12-381 field element not below the modulus")]
    BlsFieldElementTooLarge,
    /// BLS12-381 point not on the curve.
    #[error("bls12-381 point not on the curve")]
    BlsPointNotOnCurve,
    /// BLS12-381 point outside the prime-order subgroup.
    #[error("bls12-381 point not in the subgroup")]
    BlsPointNotInSubgroup,
    /// The thread's [`crate::Interrupt`] was set while the precompile ran; the transaction is
    /// being stopped and this result is not part of it.
    #[error("interrupted")]
    Interrupted,
}
