// Public surface of src/tensor (the owner of this folder adds its exports here).
export {};
