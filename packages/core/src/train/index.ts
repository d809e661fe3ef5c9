// Public surface of src/train (the owner of this folder adds its exports here).
export {};
