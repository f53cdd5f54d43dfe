pragma solidity ^0.4.24;
contract Store { uint256 v; event Set(uint256); function set(uint256 x) external { v = x; emit Set(x); } function get() external view returns (uint256) { return v; } }
