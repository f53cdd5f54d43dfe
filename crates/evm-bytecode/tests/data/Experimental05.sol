pragma solidity ^0.5.0;
pragma experimental ABIEncoderV2;
contract E { struct P { uint a; uint b; } function f(P calldata p) external pure returns (uint) { return p.a + p.b; } }
